/*
 * uml-xstate.c: an LD_PRELOAD shim for Debian 12's linux.uml (UML 6.1).
 *
 * UML restores a guest process's FPU state with PTRACE_SETREGSET(NT_X86_XSTATE)
 * from a buffer of the size it was built with (2696 bytes). The host kernel
 * accepts only its own XSAVE size, which is larger where the CPU has AMX
 * (11008), so UML panics at boot with "ptrace set fp regs failed, errno = 14".
 * This shim passes such a call on with a buffer of the host's size: UML's
 * bytes first, the rest as the host has it now. Where the sizes match it
 * changes nothing. Not part of pwire: uml-peer.sh builds it for the tests.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <elf.h>
#include <stdarg.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/uio.h>

typedef long (*ptrace_fn)(enum __ptrace_request, ...);

long ptrace(enum __ptrace_request req, ...)
{
	static ptrace_fn real;
	static unsigned char host[64 * 1024];
	static size_t host_len;	/* the host's XSAVE size once known */
	struct iovec *iov, full = { host, sizeof(host) };
	void *addr, *data;
	va_list ap;
	pid_t pid;

	va_start(ap, req);
	pid = va_arg(ap, pid_t);
	addr = va_arg(ap, void *);
	data = va_arg(ap, void *);
	va_end(ap);
	if (!real)
		real = (ptrace_fn)dlsym(RTLD_NEXT, "ptrace");

	iov = data;
	if (req != PTRACE_SETREGSET || (long)addr != NT_X86_XSTATE || !iov ||
	    iov->iov_len == host_len)
		return real(req, pid, addr, data);
	if (real(PTRACE_GETREGSET, pid, addr, &full) != 0)
		return real(req, pid, addr, data);
	host_len = full.iov_len;
	if (host_len == iov->iov_len)
		return real(req, pid, addr, data);
	memcpy(host, iov->iov_base, iov->iov_len < host_len ? iov->iov_len : host_len);
	return real(req, pid, addr, &full);
}
