// SPDX-License-Identifier: Apache-2.0
/* array - growing a plain C array by doubling, with every size checked. */
#include "lib/array.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

int array_grow(void **arr, size_t *alloc, size_t need, size_t size)
{
	size_t n = *alloc ? *alloc : 64;
	void *p;

	if (need <= *alloc)
		return 0;
	if (!size)
		return -EINVAL;
	if (need > SIZE_MAX / size)
		return -EOVERFLOW;
	while (n < need) {
		/* n < need <= SIZE_MAX / size: doubling past that bound stops at it */
		if (n > SIZE_MAX / size / 2) {
			n = SIZE_MAX / size;
			break;
		}
		n *= 2;
	}
	p = realloc(*arr, n * size);
	if (!p)
		return -ENOMEM;
	*arr = p;
	*alloc = n;
	return 0;
}
