# The web service proper: API, JSON, validation, configuration, CivetWeb.
add_library(santa STATIC
  src/ratelimit.c src/read_deadline.c src/validate.c src/routes.c src/request_ctx.c src/auth.c
  src/handlers_exchange.c src/handlers_participant.c src/handlers_metrics.c src/observe.c
  src/store_observed.c
  src/http_civetweb.c src/server.c src/stage.c
  src/ui.c ${CMAKE_CURRENT_BINARY_DIR}/ui_assets.c)
target_include_directories(santa PUBLIC include PRIVATE src)

# The web UI: libsanta/ui/ compiled into the library as byte arrays (ui.c
# serves them), so every stage binary carries its pages and reads no file.
file(GLOB SANTA_UI_FILES CONFIGURE_DEPENDS
     ${CMAKE_CURRENT_SOURCE_DIR}/ui/*.html ${CMAKE_CURRENT_SOURCE_DIR}/ui/*.css
     ${CMAKE_CURRENT_SOURCE_DIR}/ui/*.js ${CMAKE_CURRENT_SOURCE_DIR}/ui/*.svg)
add_custom_command(
  OUTPUT ${CMAKE_CURRENT_BINARY_DIR}/ui_assets.c
  COMMAND ${CMAKE_COMMAND} -DOUT=${CMAKE_CURRENT_BINARY_DIR}/ui_assets.c
          "-DFILES=${SANTA_UI_FILES}" -P ${CMAKE_CURRENT_SOURCE_DIR}/ui/embed.cmake
  DEPENDS ${SANTA_UI_FILES} ${CMAKE_CURRENT_SOURCE_DIR}/ui/embed.cmake
  COMMENT "Embedding the web UI (libsanta/ui)" VERBATIM)
target_link_libraries(santa PUBLIC santa_core santa_json instrument PRIVATE civetweb_ext)
