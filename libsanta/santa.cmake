# The web service proper: API, JSON, validation, configuration, CivetWeb.
add_library(santa STATIC
  src/json.c src/json_syntax.c src/ratelimit.c src/read_deadline.c src/validate.c src/routes.c src/request_ctx.c src/auth.c
  src/handlers_exchange.c src/handlers_participant.c src/handlers_metrics.c src/observe.c
  src/store_observed.c
  src/config.c src/http_civetweb.c src/server.c src/stage.c)
target_include_directories(santa PUBLIC include PRIVATE src)
target_link_libraries(santa PUBLIC santa_core instrument PRIVATE PkgConfig::JANSSON civetweb_ext)
