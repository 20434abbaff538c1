# SPDX-License-Identifier: GPL-2.0-or-later
#
# CMake toolchain file: 64-bit Windows with the MinGW-w64 cross compiler and
# the Universal C Runtime (UCRT), the runtime of Windows 10 and later and of
# the official Wireshark builds (MSVC), so that a DLL built with it imports
# the UCRT (api-ms-win-crt-*.dll), never msvcrt.dll.
#
# HS_WIN_PREFIX: where the cross-built GLib and friends are (the search root
# for libraries, headers and CMake packages); tests/windows/build-wireshark.sh
# puts them in /opt/hs-win/deps inside its chroot.
set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR x86_64)
set(HS_WIN_TRIPLET x86_64-w64-mingw32ucrt)
set(CMAKE_C_COMPILER ${HS_WIN_TRIPLET}-gcc)
set(CMAKE_CXX_COMPILER ${HS_WIN_TRIPLET}-g++)
set(CMAKE_RC_COMPILER ${HS_WIN_TRIPLET}-windres)
if(NOT HS_WIN_PREFIX)
  set(HS_WIN_PREFIX "$ENV{HS_WIN_PREFIX}")
endif()
if(NOT HS_WIN_PREFIX)
  set(HS_WIN_PREFIX /opt/hs-win/deps)
endif()
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES HS_WIN_PREFIX)
set(CMAKE_FIND_ROOT_PATH /usr/${HS_WIN_TRIPLET} ${HS_WIN_PREFIX})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE BOTH)
# Build-time tools built for Windows (Wireshark's lemon) run under Wine.
set(CMAKE_CROSSCOMPILING_EMULATOR wine)
