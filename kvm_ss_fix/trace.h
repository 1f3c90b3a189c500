/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * kvm_ss_fix tracepoints: one per decision the step rules take.
 *   echo 1 > /sys/kernel/tracing/events/kvm_ss_fix/enable
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM kvm_ss_fix

#if !defined(KVM_SS_FIX_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define KVM_SS_FIX_TRACE_H

#include <linux/tracepoint.h>

TRACE_EVENT(kvm_ss_fix_rule,
	    TP_PROTO(unsigned int vcpu_id, unsigned long pc, const char *rule,
		     bool pending),
	    TP_ARGS(vcpu_id, pc, rule, pending),
	    TP_STRUCT__entry(__field(unsigned int, vcpu_id)
			     __field(unsigned long, pc)
			     __array(char, rule, 24)
			     __field(bool, pending)),
	    TP_fast_assign(__entry->vcpu_id = vcpu_id;
			   __entry->pc = pc;
			   strscpy(__entry->rule, rule, sizeof(__entry->rule));
			   __entry->pending = pending;),
	    TP_printk("vcpu %u pc 0x%lx %s -> active-pending %d",
		      __entry->vcpu_id, __entry->pc, __entry->rule,
		      __entry->pending));

TRACE_EVENT(kvm_ss_fix_entry,
	    TP_PROTO(unsigned int vcpu_id, unsigned long pc, bool ss_forced),
	    TP_ARGS(vcpu_id, pc, ss_forced),
	    TP_STRUCT__entry(__field(unsigned int, vcpu_id)
			     __field(unsigned long, pc)
			     __field(bool, ss_forced)),
	    TP_fast_assign(__entry->vcpu_id = vcpu_id;
			   __entry->pc = pc;
			   __entry->ss_forced = ss_forced;),
	    TP_printk("vcpu %u pc 0x%lx %s", __entry->vcpu_id, __entry->pc,
		      __entry->ss_forced ? "PSTATE.SS forced to 0 (step owed)" :
					   "steps one instruction"));

TRACE_EVENT(kvm_ss_fix_set_guest_debug,
	    TP_PROTO(unsigned int vcpu_id, u32 control, bool pending),
	    TP_ARGS(vcpu_id, control, pending),
	    TP_STRUCT__entry(__field(unsigned int, vcpu_id)
			     __field(u32, control)
			     __field(bool, pending)),
	    TP_fast_assign(__entry->vcpu_id = vcpu_id;
			   __entry->control = control;
			   __entry->pending = pending;),
	    TP_printk("vcpu %u control 0x%x -> active-pending %d",
		      __entry->vcpu_id, __entry->control, __entry->pending));

#endif /* KVM_SS_FIX_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE trace
#include <trace/define_trace.h>
