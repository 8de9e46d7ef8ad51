# SANTA_SANITIZE=address  -> ASan + UBSan (make test runs the whole suite this way)
# SANTA_SANITIZE=thread   -> TSan, for the threaded paths
set(SANTA_SANITIZE "" CACHE STRING "address | thread | empty")
if(SANTA_SANITIZE STREQUAL "address")
  add_compile_options(-fsanitize=address,undefined -fno-sanitize-recover=all
                      -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
elseif(SANTA_SANITIZE STREQUAL "thread")
  add_compile_options(-fsanitize=thread -fno-omit-frame-pointer)
  add_link_options(-fsanitize=thread)
elseif(NOT SANTA_SANITIZE STREQUAL "")
  message(FATAL_ERROR "SANTA_SANITIZE must be address, thread or empty")
endif()
