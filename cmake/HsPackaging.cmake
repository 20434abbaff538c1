# SPDX-License-Identifier: GPL-2.0-or-later
#
# `cmake --build build --target uninstall` removes what `cmake --install`
# installed from this build folder (cmake/HsUninstall.cmake).  `cpack -G
# DEB` (run in the build folder) makes a .deb that installs hs.so into
# Wireshark's global plugin folder and depends on the exact libwireshark
# package it was built against.

add_custom_target(uninstall
  COMMAND ${CMAKE_COMMAND} -DMANIFEST=${CMAKE_BINARY_DIR}/install_manifest.txt
          "-DFALLBACK=${HS_INSTALL_DIR}/hs${CMAKE_SHARED_MODULE_SUFFIX}"
          -P ${CMAKE_CURRENT_LIST_DIR}/HsUninstall.cmake)

if(NOT UNIX OR APPLE)
  return()
endif()

# The global folder, relative to the /usr prefix the package installs into.
install(TARGETS hs LIBRARY DESTINATION "${Wireshark_PLUGIN_LIBDIR}/epan"
        COMPONENT deb EXCLUDE_FROM_ALL)
install(PROGRAMS "${PROJECT_SOURCE_DIR}/tools/hs-conn-log" DESTINATION bin
        COMPONENT deb EXCLUDE_FROM_ALL)

find_program(DPKG_QUERY dpkg-query)
if(DPKG_QUERY)
  set(_fmt "-f=\${Package} (= \${Version})\n")
  execute_process(COMMAND ${DPKG_QUERY} -W "${_fmt}" "libwireshark[0-9]*"
                  OUTPUT_VARIABLE _libws OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
  string(REGEX MATCH "^[^\n]+" _libws "${_libws}")
endif()

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME "wireshark-plugin-handshake")
set(CPACK_PACKAGE_VERSION "${PROJECT_VERSION}")
set(CPACK_PACKAGE_CONTACT "Handshake developers <handshake@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "Wireshark plugin: TCP handshake and close steps, Zeek conn_state")
set(CPACK_PACKAGING_INSTALL_PREFIX "/usr")
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_ALL deb)
set(CPACK_DEBIAN_DEB_PACKAGE_NAME "${CPACK_PACKAGE_NAME}")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_LICENSE GPL-2.0-or-later)
if(_libws)
  set(CPACK_DEBIAN_PACKAGE_DEPENDS "${_libws}, python3")
else()
  set(CPACK_DEBIAN_PACKAGE_DEPENDS "python3")
endif()
# postinst names the personal copies that Wireshark now warns about.
configure_file(${CMAKE_CURRENT_LIST_DIR}/deb/postinst.in ${CMAKE_BINARY_DIR}/deb/postinst @ONLY)
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA ${CMAKE_BINARY_DIR}/deb/postinst)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "tshark")   # hs-conn-log runs it
include(CPack)
