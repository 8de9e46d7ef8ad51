/*
 * dir.c - a store's data directory (see santa/dir.h).
 */
#include "santa/dir.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "santa/log.h"

/* strerror() may share one buffer between threads; this does not. */
static const char *errstr(int e)
{
    const char *s = strerrordesc_np(e);
    return s ? s : "unknown error";
}

/* fsync the directory that holds `path` (a new name lives in its
 * parent's data). */
static int fsync_parent(const char *path)
{
    char parent[4096];
    size_t n = strlen(path);
    if (n >= sizeof parent)
        return -1;
    memcpy(parent, path, n + 1);
    while (n > 1 && parent[n - 1] == '/')
        parent[--n] = '\0';
    char *slash = strrchr(parent, '/');
    if (!slash)
        snprintf(parent, sizeof parent, ".");
    else if (slash == parent)
        parent[1] = '\0';
    else
        *slash = '\0';
    int fd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    int rc = fsync(fd);
    close(fd);
    return rc;
}

bool santa_mkdir_p(const char *store, const char *path, char *err, size_t errlen)
{
    char buf[4096];
    size_t n = strlen(path);
    if (n == 0 || n >= sizeof buf) {
        snprintf(err, errlen, "data directory path is empty or too long");
        return false;
    }
    memcpy(buf, path, n + 1);
    for (size_t i = 1; i <= n; i++) {
        if (buf[i] != '/' && buf[i] != '\0')
            continue;
        char saved = buf[i];
        buf[i] = '\0';
        if (mkdir(buf, 0700) == 0) {
            santa_log(SANTA_LOG_INFO, "store %s: created directory %s", store, buf);
            if (fsync_parent(buf) != 0) {
                snprintf(err, errlen, "fsync parent of %s: %s", buf, errstr(errno));
                return false;
            }
        } else if (errno != EEXIST) {
            snprintf(err, errlen, "cannot create directory %s: %s", buf, errstr(errno));
            return false;
        }
        buf[i] = saved;
    }
    return true;
}
