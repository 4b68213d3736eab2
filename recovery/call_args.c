// SPDX-License-Identifier: GPL-2.0
/*
 * Changing an argument of the call a monitor is watching.  Fentry programs
 * cannot change what the traced function receives, but on x86-64 the BPF
 * trampoline saves the function's argument registers in its own frame,
 * hands the programs a context pointing at those slots, and reloads the
 * registers from the same slots before the function body runs (restore_regs
 * before calling it, or on the way back into it): a value written into a
 * slot by an fentry program's kfunc is what the function gets.  The slot
 * below the arguments holds their count and the one below that the traced
 * function's address (programs that use bpf_get_func_ip(), as every
 * monitor does).
 *
 * The monitor passes its context as a number.  Before writing, the module
 * checks that it is such a frame for the function the caller names: just
 * above the calling kfunc's own frame on this stack, with the count and the
 * address the trampoline stored there.  It then writes only when the slot
 * still holds what the monitor judged, and only values each action chose
 * for a function it knows (skip_free.c, gfp_atomic.c): never blindly.
 */
#include <linux/kernel.h>
#include <linux/compiler.h>
#include <linux/mm.h>
#include <asm/asm.h>

#include "recovery.h"

/*
 * How far above the kfunc's frame the trampoline's may lie: the monitor
 * program's stack (512 bytes at most), its helpers' frames, the
 * trampoline's own locals.
 */
#define DG_TRAMPOLINE_REACH	2048

/*
 * The argument slots of the trampoline frame at @ctx, for a call of @fn
 * with @nr_args arguments; NULL when @ctx is not such a frame.
 */
u64 *dg_call_args(u64 ctx, unsigned long fn, unsigned int nr_args)
{
	unsigned long sp = current_stack_pointer;
	u64 *args = (u64 *)(unsigned long)ctx;

	if (!ctx || !IS_ALIGNED(ctx, sizeof(u64)) || ctx <= sp ||
	    ctx - sp > DG_TRAMPOLINE_REACH)
		return NULL;
	if (READ_ONCE(args[-1]) != nr_args || READ_ONCE(args[-2]) != fn)
		return NULL;
	return args;
}

/*
 * Replace argument @i of the call at @args by @value when it is still
 * @expected; 0, or -ESTALE when it is not.  Only the low @bits bits of a
 * slot are the argument (a gfp_t travels in a 64-bit register).
 */
int dg_call_arg_replace(u64 *args, unsigned int i, u64 expected, u64 value, unsigned int bits)
{
	u64 mask = bits >= 64 ? ~0ULL : (1ULL << bits) - 1;

	if ((READ_ONCE(args[i]) & mask) != (expected & mask))
		return -ESTALE;
	WRITE_ONCE(args[i], value & mask);
	return 0;
}

/*
 * The argument slots of the trampoline frame at @ctx for a call of @fn,
 * whatever its argument count (stored in *@nr_args); NULL when @ctx is not
 * such a frame.  For actions that do not touch the arguments.
 */
u64 *dg_call_frame(u64 ctx, unsigned long fn, unsigned int *nr_args)
{
	u64 *args = (u64 *)(unsigned long)ctx;

	if (!ctx || !IS_ALIGNED(ctx, sizeof(u64)) || ctx <= current_stack_pointer)
		return NULL;
	*nr_args = READ_ONCE(args[-1]);
	if (*nr_args > 6)	/* x86-64 trampolines take register arguments only */
		return NULL;
	return dg_call_args(ctx, fn, *nr_args);
}
