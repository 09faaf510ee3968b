/* SPDX-License-Identifier: Apache-2.0 */
/*
 * array - growing a plain C array by doubling (the snapshot's arrays, the
 * holders walk's rows).  The caller keeps the pointer, its element count and
 * its capacity; array_grow only makes room.  Not thread-safe: an array
 * belongs to one thread at a time.
 */
#ifndef BPFME_ARRAY_H
#define BPFME_ARRAY_H

#include <stddef.h>

/*
 * Make room for need elements of size bytes in *arr (capacity *alloc
 * elements): the capacity doubles from 64 until it holds need, and stops
 * at the largest count whose bytes fit in a size_t.  0 when there is room
 * (already, or after a realloc: *arr and *alloc updated); -EOVERFLOW when
 * need elements do not fit in a size_t of bytes; -EINVAL when size is 0;
 * -ENOMEM when realloc fails.  On an error *arr and *alloc are untouched
 * (the caller still owns and frees *arr).
 */
int array_grow(void **arr, size_t *alloc, size_t need, size_t size);

#endif
