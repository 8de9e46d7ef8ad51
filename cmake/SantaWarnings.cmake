# Warnings are errors everywhere: code that does not build clean does not land.
add_compile_options(-Wall -Wextra -Werror -Wshadow -Wstrict-prototypes
                    -Wmissing-prototypes -Wformat=2 -Wvla)
# _GNU_SOURCE for getrandom(2), pthread_setname_np and friends; C17 otherwise.
add_compile_definitions(_GNU_SOURCE)
