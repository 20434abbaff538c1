# SPDX-License-Identifier: GPL-2.0-or-later
#
# `cmake --build BUILD --target uninstall`: remove what `cmake --install`
# put in place from this build folder (its install_manifest.txt), or, with
# no manifest, hs.so in HS_INSTALL_DIR.  A file that a Debian package owns
# is left to the package manager.  -DMANIFEST=... -DFALLBACK=... are set by
# cmake/HsPackaging.cmake.

cmake_policy(VERSION 3.16)   # run as a script: no project() sets it (CMP0007: empty list items)
if(EXISTS "${MANIFEST}")
  file(STRINGS "${MANIFEST}" files)
else()
  set(files "${FALLBACK}")
endif()
find_program(_dpkg_query dpkg-query)
foreach(f IN LISTS files)
  if(NOT EXISTS "${f}")
    message(STATUS "Handshake: ${f} is already gone")
    continue()
  endif()
  set(rc 1)
  if(_dpkg_query)
    execute_process(COMMAND ${_dpkg_query} -S "${f}" RESULT_VARIABLE rc OUTPUT_VARIABLE owner
                    ERROR_QUIET OUTPUT_STRIP_TRAILING_WHITESPACE)
  endif()
  if(rc EQUAL 0)
    string(REGEX REPLACE ":.*" "" owner "${owner}")
    message(STATUS "Handshake: ${f} belongs to the Debian package ${owner}, not to this build: "
      "left in place (apt-get remove ${owner})")
    continue()
  endif()
  file(REMOVE "${f}")
  if(EXISTS "${f}")
    message(FATAL_ERROR "Handshake: could not remove ${f} (permissions? the global folder needs root)")
  endif()
  message(STATUS "Handshake: removed ${f}")
endforeach()
if(EXISTS "${MANIFEST}")
  file(REMOVE "${MANIFEST}")
endif()
