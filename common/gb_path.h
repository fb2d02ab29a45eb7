/* gb_path: file-system path helpers shared by every module. */
#ifndef GB_PATH_H
#define GB_PATH_H

#include <stdbool.h>

#include "gb_err.h"

/* dir + "/" + name on the heap (caller frees); NULL when out of memory. */
char *gb_path_join(const char *dir, const char *name);

/* Output checks, made before a command does its work so that an output it cannot write is
 * reported at once (GB_ERR_INPUT: exit 2) rather than after the work, with its results lost.
 * `what` names the path's source in the message, e.g. "--out" or "output.dir":
 *   "output.dir /dev/null: not a directory"
 *   "--out /ro/x: cannot write in /ro: Read-only file system"
 * Nothing is left behind: a probe entry is made and removed at once.
 *
 * gb_path_ready_dir: whether the directory dir can be made (mkdir -p) and written in: the
 * nearest part of it that exists is a directory in which an entry can be made. 0, or -1 with
 * GB_ERR_INPUT naming dir, the part of it at fault and the system's reason. */
int gb_path_ready_dir(const char *dir, const char *what, gb_err *err);

/* gb_path_ready_parent: gb_path_ready_dir on the directory that holds path (for an output
 * directory that must not exist yet), with the messages naming path. */
int gb_path_ready_parent(const char *path, const char *what, gb_err *err);

/* gb_path_ready_file: whether path can be written as a file the atomic way (gb_afile.h: a
 * temporary file next to it, renamed onto it): path is not a directory, its directory exists
 * and a file can be made there. "-" (standard output) is always ready. 0, or -1 with
 * GB_ERR_INPUT as above. */
int gb_path_ready_file(const char *path, const char *what, gb_err *err);

/* Whether path names an unfinished results directory: its last component (trailing slashes
 * aside) ends in ".partial" (a run still writing it, or one that was killed). */
bool gb_path_is_partial(const char *path);

#endif
