# Third-party libraries, all from Debian packages (deploy/install-deps installs them).
find_package(PkgConfig REQUIRED)
find_package(Threads REQUIRED)
pkg_check_modules(JANSSON REQUIRED IMPORTED_TARGET jansson)
pkg_check_modules(SODIUM REQUIRED IMPORTED_TARGET libsodium)
pkg_check_modules(SQLITE3 REQUIRED IMPORTED_TARGET sqlite3)
pkg_check_modules(CMOCKA REQUIRED IMPORTED_TARGET cmocka)
pkg_check_modules(LIBCURL REQUIRED IMPORTED_TARGET libcurl)
# Debian's libcivetweb-dev ships no pkg-config file; its CMake config is usable.
find_library(CIVETWEB_LIB civetweb REQUIRED)
find_path(CIVETWEB_INCLUDE civetweb.h REQUIRED)
add_library(civetweb_ext INTERFACE)
target_link_libraries(civetweb_ext INTERFACE ${CIVETWEB_LIB} Threads::Threads)
target_include_directories(civetweb_ext SYSTEM INTERFACE ${CIVETWEB_INCLUDE})
