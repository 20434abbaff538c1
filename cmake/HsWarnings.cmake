# SPDX-License-Identifier: GPL-2.0-or-later
# Warnings and sanitizers shared by every target of the project.
if(CMAKE_C_COMPILER_ID MATCHES "GNU|Clang")
  add_compile_options(-Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes)
elseif(MSVC)
  add_compile_options(/W3)
endif()
if(HS_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all)
  add_link_options(-fsanitize=address,undefined)
endif()
