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
#   HS_BIN_DIR          where tools/hs-conn-log goes: the user's own bin folder
#                       (~/.local/bin; %APPDATA%\Handshake\bin on Windows) next
#                       to a personal plugin folder, else <prefix>/bin (a global
#                       install, e.g. setup.sh as root); -DHS_BIN_DIR=... overrides.
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

if(WIN32)
  set(_personal_bin "${_home}/Handshake/bin")
  file(TO_CMAKE_PATH "$ENV{APPDATA}" _user_root)
else()
  set(_personal_bin "$ENV{HOME}/.local/bin")
  set(_user_root "$ENV{HOME}")
endif()
string(FIND "${HS_INSTALL_DIR}" "${_user_root}/" _in_home)
if(_user_root AND _in_home EQUAL 0)
  set(_bin_default "${_personal_bin}")
else()
  set(_bin_default "${CMAKE_INSTALL_PREFIX}/bin")
endif()
set(HS_BIN_DIR "${_bin_default}" CACHE PATH "Folder cmake --install puts hs-conn-log in (default: your bin folder)")
message(STATUS "Handshake: Wireshark ${Wireshark_VERSION}, plugin folder ${HS_INSTALL_DIR}, tools in ${HS_BIN_DIR}")
