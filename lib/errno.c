// SPDX-License-Identifier: MIT
#include <bora/errno.h>

const char *errno_name(int err)
{
	if (err < 0)
		err = -err;
	switch (err) {
	case 0:
		return "OK";
	case EPERM:
		return "EPERM";
	case ENOENT:
		return "ENOENT";
	case ENOMEM:
		return "ENOMEM";
	case EFAULT:
		return "EFAULT";
	case EBUSY:
		return "EBUSY";
	case ENODEV:
		return "ENODEV";
	case EEXIST:
		return "EEXIST";
	case EINVAL:
		return "EINVAL";
	case ENOSPC:
		return "ENOSPC";
	case ERANGE:
		return "ERANGE";
	case EDEADLK:
		return "EDEADLK";
	case EOVERFLOW:
		return "EOVERFLOW";
	case ENOSYS:
		return "ENOSYS";
	case EMSGSIZE:
		return "EMSGSIZE";
	case ENOTSUP:
		return "ENOTSUP";
	case ESRCH:
		return "ESRCH";
	case E2BIG:
		return "E2BIG";
	case ENOEXEC:
		return "ENOEXEC";
	case ECHILD:
		return "ECHILD";
	case EAGAIN:
		return "EAGAIN";
	case ENAMETOOLONG:
		return "ENAMETOOLONG";
	case ETIMEDOUT:
		return "ETIMEDOUT";
	case ECANCELED:
		return "ECANCELED";
	case EOVERLAP:
		return "EOVERLAP";
	case ENOTALLOC:
		return "ENOTALLOC";
	case ECORRUPT:
		return "ECORRUPT";
	case EIRQCTX:
		return "EIRQCTX";
	case EBADHANDLE:
		return "EBADHANDLE";
	case ECLOSED:
		return "ECLOSED";
	case EWRONGTYPE:
		return "EWRONGTYPE";
	case ENORIGHT:
		return "ENORIGHT";
	case EPEERDIED:
		return "EPEERDIED";
	case ENOREPLY:
		return "ENOREPLY";
	default:
		return "E?";
	}
}

int validate_failed(char *why, size_t why_len, const char *msg)
{
	size_t i = 0;

	if (why && why_len) {
		for (; i + 1 < why_len && msg[i]; i++)
			why[i] = msg[i];
		why[i] = '\0';
	}
	return -ECORRUPT;
}
