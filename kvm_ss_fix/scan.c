// SPDX-License-Identifier: GPL-2.0-only
/*
 * Finding the vCPUs that exist before the module loads.
 *
 * KVM keeps no exported list of VMs, but every VM has a directory of
 * statistics under the exported kvm_debugfs_dir, and each file in it
 * carries a struct kvm_stat_data that points back at its VM.  While the
 * inode lock of kvm_debugfs_dir is held, no VM directory can finish its
 * removal (simple_recursive_removal() takes the parent's lock last), and
 * kvm_destroy_vm() frees nothing before that removal returns: every VM
 * found here stays alive for the walk.  This is the 5.x dentry layout
 * (d_subdirs); Kbuild builds scan_none.c for kernels the hooks leave
 * alone.
 */
#include <linux/debugfs.h>
#include <linux/dcache.h>
#include <linux/fs.h>

#include "kvm_ss_fix.h"

/* a per-VM statistic of arm64 KVM (VCPU_STAT "exits"), data kvm_stat_data */
#define KSF_STAT_FILE	"exits"

/*
 * The VM behind one of its statistics directories, or NULL.  Only the
 * "exits" statistic is read: other files there (vgic-state) carry other
 * private data.
 */
static struct kvm *ksf_vm_of_dir(struct dentry *dir)
{
	struct kvm_stat_data *stat;
	struct dentry *child;
	struct kvm *kvm = NULL;

	/* a child's d_lock nests in its parent's, held by our caller */
	spin_lock_nested(&dir->d_lock, DENTRY_D_LOCK_NESTED);
	list_for_each_entry(child, &dir->d_subdirs, d_child) {
		if (!d_is_reg(child) || !d_inode(child) ||
		    strcmp(child->d_name.name, KSF_STAT_FILE))
			continue;
		stat = d_inode(child)->i_private;
		/* only trust a pointer that leads back to this directory */
		if (stat && stat->kvm && stat->kvm->debugfs_dentry == dir)
			kvm = stat->kvm;
		break;
	}
	spin_unlock(&dir->d_lock);
	return kvm;
}

/*
 * Pass every vCPU of every VM that exists now to ksf_found_vcpu().
 * -ENOENT when KVM's debugfs directory is not there (debugfs disabled).
 */
int ksf_scan_existing_vcpus(void)
{
	struct dentry *top = kvm_debugfs_dir, *dir;
	struct kvm_vcpu *vcpu;
	struct kvm *kvm;
	unsigned long i;

	if (IS_ERR_OR_NULL(top) || !d_inode(top))
		return -ENOENT;
	inode_lock(d_inode(top));
	spin_lock(&top->d_lock);
	list_for_each_entry(dir, &top->d_subdirs, d_child) {
		if (!d_is_dir(dir))
			continue;
		kvm = ksf_vm_of_dir(dir);
		if (!kvm)
			continue;
		kvm_for_each_vcpu(i, vcpu, kvm)
			ksf_found_vcpu(vcpu);
	}
	spin_unlock(&top->d_lock);
	inode_unlock(d_inode(top));
	return 0;
}
