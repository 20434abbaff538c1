# SPDX-License-Identifier: GPL-2.0-or-later
#
# Run by `cmake --install` (and so by setup.sh) before hs.so is copied:
# Wireshark reads the global plugin folder first and the personal one
# second, and a plugin found in both is loaded once, from the global folder,
# with "The plugin 'hs.so' was found in multiple directories" on every
# start (a dialog to click away in the GUI).  So:
#
#   installing into the personal folder while the global one holds hs.so
#     stops: the personal copy would never be loaded; says how to remove
#     the global one (its Debian package, or the file);
#   installing into the global folder
#     stops if the file there belongs to a Debian package;
#     removes the personal copy of the user who ran it through sudo (the
#     global copy replaces it: that user installed both);
#     names every other user's personal copy, with the command that
#     removes it.
#
# Any other folder (-DHS_INSTALL_DIR=...), or DESTDIR staging, is not
# checked.  Set by plugin/epan/CMakeLists.txt: HS_DEST (the folder installed
# into), HS_GLOBAL_DIR, HS_PERSONAL_SUBDIR (the personal folder below a
# home) and HS_FILE (hs.so).

cmake_policy(VERSION 3.16)   # run as a script: no project() sets it (CMP0007: empty list items)

function(hs_owner_package path out)     # the Debian package owning PATH, or ""
  set(${out} "" PARENT_SCOPE)
  find_program(_dpkg_query dpkg-query)
  if(_dpkg_query)
    execute_process(COMMAND ${_dpkg_query} -S "${path}" RESULT_VARIABLE rc
                    OUTPUT_VARIABLE owner ERROR_QUIET OUTPUT_STRIP_TRAILING_WHITESPACE)
    if(rc EQUAL 0)
      string(REGEX REPLACE ":.*" "" owner "${owner}")
      set(${out} "${owner}" PARENT_SCOPE)
    endif()
  endif()
endfunction()

function(hs_users out)                  # "name|uid|home" of every account
  set(${out} "" PARENT_SCOPE)
  if(NOT EXISTS /etc/passwd)
    return()
  endif()
  file(STRINGS /etc/passwd lines)
  set(users "")
  foreach(line IN LISTS lines)
    string(REPLACE ":" ";" f "${line}")
    list(LENGTH f n)
    if(n GREATER 5)
      list(GET f 0 name)
      list(GET f 2 uid)
      list(GET f 5 home)
      list(APPEND users "${name}|${uid}|${home}")
    endif()
  endforeach()
  set(${out} "${users}" PARENT_SCOPE)
endfunction()

function(hs_personal_install global_copy)
  if(NOT EXISTS "${global_copy}")
    return()
  endif()
  hs_owner_package("${global_copy}" pkg)
  if(pkg)
    set(how "it came with the Debian package ${pkg}: sudo apt-get remove ${pkg}")
  else()
    set(how "sudo rm ${global_copy}\n      (or, in the build folder that installed it: sudo cmake --build . --target uninstall)")
  endif()
  message(NOTICE "
Handshake is already installed for everyone: ${global_copy}
Wireshark loads that copy first.  A second one in your folder
  ${HS_DEST}
would never be loaded, and Wireshark and tshark would warn \"The plugin
'${HS_FILE}' was found in multiple directories\" on every start.
So this build was NOT installed.
  - To keep using the installed copy: nothing to do.
  - To use this build instead, remove that copy, then install again:
      ${how}
")
  message(FATAL_ERROR "Handshake: not installed (see above)")
endfunction()

function(hs_global_install global_copy)
  hs_owner_package("${global_copy}" pkg)
  if(pkg)
    message(NOTICE "
Handshake: ${global_copy} belongs to the Debian package ${pkg};
installing over it would change a file the package owns.  Remove the
package first (apt-get remove ${pkg}), or keep it and do not install
this build.
")
    message(FATAL_ERROR "Handshake: not installed (see above)")
  endif()
  hs_users(users)
  foreach(u IN LISTS users)
    string(REPLACE "|" ";" u "${u}")
    list(GET u 0 name)
    list(GET u 1 uid)
    list(GET u 2 home)
    set(copy "${home}/${HS_PERSONAL_SUBDIR}/${HS_FILE}")
    if(uid EQUAL 0 OR NOT EXISTS "${copy}")
      continue()                        # root's personal folder is never read
    endif()
    if(name STREQUAL "$ENV{SUDO_USER}")
      file(REMOVE "${copy}")
      message(NOTICE "Handshake: removed your personal copy ${copy}: the global one replaces it "
        "(with both, Wireshark would warn \"The plugin '${HS_FILE}' was found in multiple directories\" "
        "on every start).")
    else()
      message(NOTICE "Handshake: user ${name} has a personal copy, ${copy}. Wireshark will load the global "
        "one and warn ${name} \"The plugin '${HS_FILE}' was found in multiple directories\" on every start, "
        "until ${name} removes it:  rm ${copy}")
    endif()
  endforeach()
endfunction()

if(NOT "$ENV{DESTDIR}" STREQUAL "")
  return()                              # staging for a package: not the live folders
endif()
get_filename_component(_dest "${HS_DEST}" REALPATH)
get_filename_component(_global "${HS_GLOBAL_DIR}" REALPATH)
get_filename_component(_personal "$ENV{HOME}/${HS_PERSONAL_SUBDIR}" REALPATH)
if(_dest STREQUAL _global)
  hs_global_install("${_global}/${HS_FILE}")
elseif(_dest STREQUAL _personal)
  hs_personal_install("${_global}/${HS_FILE}")
endif()
