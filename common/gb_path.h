/* gb_path: file-system path helpers shared by every module. */
#ifndef GB_PATH_H
#define GB_PATH_H

/* dir + "/" + name on the heap (caller frees); NULL when out of memory. */
char *gb_path_join(const char *dir, const char *name);

#endif
