/* SPDX-License-Identifier: MIT */
/*
 * steer.c: which queue a frame belongs to, as a BPF program the kernel runs.
 *
 * With several queues, two choices must agree for a flow to stay on one
 * queue end to end: the TAP's (which queue the host's frame is handed to,
 * TUNSETSTEERINGEBPF) and the socket's (which of the queues' sockets sharing
 * the UDP port receives a datagram, SO_ATTACH_REUSEPORT_EBPF; the kernel's
 * own choice hashes the outer 4-tuple, which one peer never varies). Both
 * run this program: the XOR of the inner IPv4/IPv6 addresses and, for TCP
 * and UDP (not in a later fragment), of the two ports, mixed, modulo the
 * number of queues. XOR gives both directions of a flow the same queue, and
 * a train of frames read from one queue leaves as one UDP GSO message that
 * the peer steers by its first frame: to the same queue number. Up to two
 * VLAN tags (802.1Q, 802.1ad) are skipped: the TAP's program sees a tag the
 * kernel holds aside (as a NIC's offload would) only as metadata, the
 * socket's sees it inline, and both must find the same IP header. Other
 * frames (ARP) go to queue 0. The frame starts frame_offset bytes into
 * what the program sees: 0 on the TAP, the L2TPv3 header's length in a
 * UDP payload.
 *
 * A vhost-user link's socket program takes its modulus from a map instead
 * (pw_steer_map): the guest decides how many of the N pairs it uses (a
 * 1-vCPU Linux guest uses one until `ethtool -L`), and a datagram steered
 * to a pair it does not use is dropped. The map is a one-element array
 * made BPF_F_MMAPABLE: pwire maps its value once at open (pwire up before
 * the privilege drop; pwired's helper makes the map and the program, its
 * data path maps the value with the mmap it is allowed already), and the
 * vhost-user control side stores the count of the pairs the guest runs
 * there with a plain atomic store (no system call, no new seccomp rule;
 * vnic/vhost/dev.c). The program reads it by direct value
 * access (BPF_PSEUDO_MAP_VALUE: an address, no helper call). A value of 0
 * or past N (never stored; a map not yet written) counts as 1: queue 0 is
 * the pair every guest runs first, so no datagram is steered to a pair
 * that may not run, where N would bring back the drop this map exists for.
 * The TAP's program and a TAP link's are the constant ones, unchanged.
 *
 * Written as instructions here (a handful, fixed) rather than compiled: no
 * BPF toolchain or loader library is needed at build or run time.
 */
#include <errno.h>
#include <linux/bpf.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "core/inet.h"
#include "xport/steer.h"

enum {
	PROG_MAX = 96,
	/* Registers: the loads leave their result in R0 and need the context
	 * in R6; R7 and R8 survive them. */
	R0 = 0, R1 = 1, R2 = 2, R6 = 6, R7 = 7, R8 = 8, R9 = 9,
};

/* Jump targets, resolved once the program is laid out. */
enum label { NONE, TAG1, TAG2, TYPE, V6, P4, P6, PORTS, ADDR, RET0, LABELS };

struct prog {
	struct bpf_insn f[PROG_MAX];
	enum label target[PROG_MAX];
	unsigned n;
	unsigned at[LABELS];
};

static void insn(struct prog *p, uint8_t code, uint8_t dst, uint8_t src, int32_t imm,
		 enum label to)
{
	p->f[p->n] = (struct bpf_insn){ .code = code, .dst_reg = dst, .src_reg = src, .imm = imm };
	p->target[p->n++] = to;
}

/* R0 = the big-endian B/H/W at offset R9 + k (R9: the bytes of VLAN tags
 * before the ethertype). */
static void load(struct prog *p, uint8_t size, int32_t k)
{
	insn(p, BPF_LD | BPF_IND | size, 0, R9, k, NONE);
}

static void alu(struct prog *p, uint8_t op, uint8_t dst, int32_t imm)
{
	insn(p, BPF_ALU | op | BPF_K, dst, 0, imm, NONE);
}

static void alu_reg(struct prog *p, uint8_t op, uint8_t dst, uint8_t src)
{
	insn(p, BPF_ALU | op | BPF_X, dst, src, 0, NONE);
}

static void jump(struct prog *p, uint8_t op, int32_t imm, enum label to)
{
	insn(p, BPF_JMP | op | BPF_K, R0, 0, imm, to);
}

static void mark(struct prog *p, enum label l)
{
	p->at[l] = p->n;
}

static void build(struct prog *p, int32_t h, unsigned queues, int map)
{
	int32_t ip = h + PW_ETH_HLEN; /* the inner IP header, past the tags in R9 */

	insn(p, BPF_ALU64 | BPF_MOV | BPF_X, R6, R1, 0, NONE); /* the skb, a pointer */
	alu(p, BPF_MOV, R9, 0);
	load(p, BPF_H, h + PW_ETH_TYPE);
	/* Up to two tags (PW_VLAN_TAGS_MAX): R9 += 4 for each, the
	 * ethertype read past it. */
	jump(p, BPF_JEQ, PW_ETH_P_8021Q, TAG1);
	jump(p, BPF_JNE, PW_ETH_P_8021AD, TYPE);
	mark(p, TAG1);
	alu(p, BPF_ADD, R9, PW_VLAN_HLEN);
	load(p, BPF_H, h + PW_ETH_TYPE);
	jump(p, BPF_JEQ, PW_ETH_P_8021Q, TAG2);
	jump(p, BPF_JNE, PW_ETH_P_8021AD, TYPE);
	mark(p, TAG2);
	alu(p, BPF_ADD, R9, PW_VLAN_HLEN);
	load(p, BPF_H, h + PW_ETH_TYPE);
	mark(p, TYPE);
	jump(p, BPF_JNE, PW_ETH_P_IPV4, V6);
	/* IPv4: R8 = source ^ destination; ports unless a later fragment. */
	load(p, BPF_W, ip + PW_IPV4_SADDR);
	alu_reg(p, BPF_MOV, R8, R0);
	load(p, BPF_W, ip + PW_IPV4_DADDR);
	alu_reg(p, BPF_XOR, R8, R0);
	load(p, BPF_H, ip + PW_IPV4_FRAG_OFF);
	jump(p, BPF_JSET, PW_IPV4_FRAG_MASK, ADDR);
	load(p, BPF_B, ip + PW_IPV4_PROTOCOL);
	jump(p, BPF_JEQ, PW_IPPROTO_TCP, P4);
	jump(p, BPF_JNE, PW_IPPROTO_UDP, ADDR);
	mark(p, P4);
	load(p, BPF_B, ip); /* R7 = the tags' and the IPv4 header's length */
	alu(p, BPF_AND, R0, PW_IPV4_IHL);
	alu(p, BPF_LSH, R0, 2);
	alu_reg(p, BPF_MOV, R7, R0);
	alu_reg(p, BPF_ADD, R7, R9);
	insn(p, BPF_LD | BPF_IND | BPF_W, 0, R7, ip, NONE);
	insn(p, BPF_JMP | BPF_JA, 0, 0, 0, PORTS);
	/* IPv6 (no extension header): the eight address words. */
	mark(p, V6);
	jump(p, BPF_JNE, PW_ETH_P_IPV6, RET0);
	load(p, BPF_W, ip + PW_IPV6_SADDR);
	alu_reg(p, BPF_MOV, R8, R0);
	for (int32_t k = PW_IPV6_SADDR + 4; k < PW_IPV6_SADDR + PW_IPV6_ADDRS_LEN; k += 4) {
		load(p, BPF_W, ip + k);
		alu_reg(p, BPF_XOR, R8, R0);
	}
	load(p, BPF_B, ip + PW_IPV6_NEXTHDR);
	jump(p, BPF_JEQ, PW_IPPROTO_TCP, P6);
	jump(p, BPF_JNE, PW_IPPROTO_UDP, ADDR);
	mark(p, P6);
	load(p, BPF_W, ip + PW_IPV6_HLEN);
	/* R0 = the port word: R8 ^= source port ^ destination port. */
	mark(p, PORTS);
	alu_reg(p, BPF_MOV, R7, R0);
	alu(p, BPF_RSH, R0, 16);
	alu_reg(p, BPF_XOR, R0, R7);
	alu(p, BPF_AND, R0, 0xffff);
	alu_reg(p, BPF_XOR, R8, R0);
	mark(p, ADDR);
	alu_reg(p, BPF_MOV, R0, R8);
	/* Mix every bit into the high half (Knuth's multiplicative hash: the
	 * low bits alone would follow the ports' parity, and Linux gives
	 * connecting sockets even ports), then return it % queues. */
	alu(p, BPF_MUL, R0, (int32_t)0x9e3779b1u);
	alu(p, BPF_RSH, R0, 16);
	if (map < 0) {
		alu(p, BPF_MOD, R0, (int32_t)queues);
	} else {
		/* R1 = the map's value (two slots: a 64-bit immediate, the
		 * offset 0 in the second); R2 = the pairs the guest runs,
		 * 1..queues, else queue 0. */
		insn(p, BPF_LD | BPF_DW | BPF_IMM, R1, BPF_PSEUDO_MAP_VALUE, map, NONE);
		insn(p, 0, 0, 0, 0, NONE);
		insn(p, BPF_LDX | BPF_MEM | BPF_W, R2, R1, 0, NONE);
		insn(p, BPF_JMP | BPF_JEQ | BPF_K, R2, 0, 0, RET0);
		insn(p, BPF_JMP | BPF_JGT | BPF_K, R2, 0, (int32_t)queues, RET0);
		alu_reg(p, BPF_MOD, R0, R2);
	}
	insn(p, BPF_JMP | BPF_EXIT, 0, 0, 0, NONE);
	mark(p, RET0);
	alu(p, BPF_MOV, R0, 0);
	insn(p, BPF_JMP | BPF_EXIT, 0, 0, 0, NONE);
	for (unsigned i = 0; i < p->n; i++)
		if (p->target[i] != NONE)
			p->f[i].off = (int16_t)(p->at[p->target[i]] - (i + 1));
}

int pw_steer_load(uint16_t frame_offset, unsigned queues, int map)
{
	struct prog p = { .n = 0 };
	union bpf_attr attr;
	int fd;

	build(&p, frame_offset, queues, map);
	memset(&attr, 0, sizeof(attr));
	attr.prog_type = BPF_PROG_TYPE_SOCKET_FILTER;
	attr.insns = (uint64_t)(uintptr_t)p.f;
	attr.insn_cnt = p.n;
	attr.license = (uint64_t)(uintptr_t) "MIT";
	fd = (int)syscall(SYS_bpf, BPF_PROG_LOAD, &attr, sizeof(attr));
	return fd < 0 ? -errno : fd;
}

int pw_steer_map(void)
{
	union bpf_attr attr;
	int fd;

	memset(&attr, 0, sizeof(attr));
	attr.map_type = BPF_MAP_TYPE_ARRAY;
	attr.key_size = 4;
	attr.value_size = sizeof(uint32_t);
	attr.max_entries = 1; /* direct value access needs one element */
	attr.map_flags = BPF_F_MMAPABLE;
	fd = (int)syscall(SYS_bpf, BPF_MAP_CREATE, &attr, sizeof(attr));
	return fd < 0 ? -errno : fd;
}

_Atomic uint32_t *pw_steer_map_value(int map)
{
	/* The array's values start at offset 0 of its mapping. */
	void *v = mmap(NULL, (size_t)sysconf(_SC_PAGESIZE), PROT_READ | PROT_WRITE, MAP_SHARED,
		       map, 0);

	return v == MAP_FAILED ? NULL : v;
}

void pw_steer_map_unmap(_Atomic uint32_t *value)
{
	if (value)
		munmap((void *)value, (size_t)sysconf(_SC_PAGESIZE));
}
