# SPDX-License-Identifier: GPL-2.0-or-later
#
# Where Wireshark looks for this plugin:
#   HS_WS_VERSION_DIR   "X.Y" (Linux, Windows) or "X-Y" (macOS), the folder
#                       under plugins/ that the loader reads for this version.
#   HS_INSTALL_DIR      the current user's personal plugin folder for it:
#                       Linux/macOS ~/.local/lib/wireshark/plugins/<ver>/epan
#                       Windows     %APPDATA%\Wireshark\plugins\<ver>\epan
#                       (cache variable: -DHS_INSTALL_DIR=... overrides it).
#   HS_PERSONAL_SUBDIR  that personal folder below a home (Linux, macOS)
#   HS_GLOBAL_DIR       the global plugin folder for it (Wireshark's own
#                       package knows it), read before the personal one.
set(_ws_ver "${Wireshark_MAJOR_VERSION}.${Wireshark_MINOR_VERSION}")
if(APPLE)
  set(_ws_ver "${Wireshark_MAJOR_VERSION}-${Wireshark_MINOR_VERSION}")
endif()
set(HS_WS_VERSION_DIR "${_ws_ver}")

set(HS_PERSONAL_SUBDIR ".local/lib/wireshark/plugins/${_ws_ver}/epan")
set(HS_GLOBAL_DIR "")
if(Wireshark_PLUGIN_INSTALL_DIR)
  set(HS_GLOBAL_DIR "${Wireshark_PLUGIN_INSTALL_DIR}/epan")
endif()

if(WIN32)
  file(TO_CMAKE_PATH "$ENV{APPDATA}" _home)
  set(_default "${_home}/Wireshark/plugins/${_ws_ver}/epan")
else()
  set(_default "$ENV{HOME}/${HS_PERSONAL_SUBDIR}")
endif()
set(HS_INSTALL_DIR "${_default}" CACHE PATH "Folder cmake --install puts hs.so in (default: your personal plugin folder)")
message(STATUS "Handshake: Wireshark ${Wireshark_VERSION}, plugin folder ${HS_INSTALL_DIR}")
