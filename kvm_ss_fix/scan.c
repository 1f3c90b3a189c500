// SPDX-License-Identifier: GPL-2.0-only
/*
 * Finding the vCPUs that exist before the module loads.
 *
 * KVM keeps no exported list of VMs, but every VM has a directory of
 * statistics under the exported kvm_debugfs_dir, and each file in it
 * carries a struct kvm_stat_data that points back at its VM.
 *
 * What the inode lock of kvm_debugfs_dir guarantees (read in 5.10's
 * fs/libfs.c, fs/debugfs/inode.c, fs/dcache.c and virt/kvm/kvm_main.c):
 * kvm_destroy_vm() removes the VM's directory with
 * debugfs_remove_recursive(), that is simple_recursive_removal(), whose
 * last step takes this lock and d_invalidate()s (unhashes) the directory;
 * kvm_destroy_vm() frees the statistics' data and the VM only after the
 * removal has returned.  So a VM directory still hashed while the lock is
 * held belongs to a VM that stays alive until the lock is dropped.
 *
 * It does not make every listed directory live: an unhashed dentry stays
 * on its parent's list of children until its last reference is dropped
 * (__dentry_kill() unlists it).  An open "exits" file whose close drops
 * the VM's last reference keeps both listed: __fput() runs the release,
 * which destroys the VM and frees the data, and only then dput()s the
 * file's dentry, which pins its directory; a path walk holding the
 * file's dentry does the same.  Such a directory is unhashed and its
 * files' i_private point at freed data: skip it, and an unhashed "exits"
 * file too.
 *
 * The parent's d_lock, held across each list walk, keeps every listed
 * dentry, and a listed file's inode, from being freed during the walk.
 * 6.1 and 6.12 remove a VM's directory the same way.  Kbuild builds
 * scan_none.c for kernels the hooks leave alone.
 */
#include <linux/debugfs.h>
#include <linux/dcache.h>
#include <linux/fs.h>

#include "kvm_ss_fix.h"

/* a per-VM statistic of arm64 KVM (VCPU_STAT "exits"), data kvm_stat_data */
#define KSF_STAT_FILE	"exits"

/* a directory's children: a list until 6.7, an hlist from 6.8 (Kbuild) */
#ifdef KSF_DENTRY_CHILDREN_HLIST
#define ksf_for_each_child(child, dir) \
	hlist_for_each_entry(child, &(dir)->d_children, d_sib)
#else
#define ksf_for_each_child(child, dir) \
	list_for_each_entry(child, &(dir)->d_subdirs, d_child)
#endif

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
	ksf_for_each_child(child, dir) {
		if (!d_is_reg(child) || !d_inode(child) || d_unhashed(child) ||
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
 * KVM's debugfs directory: exported up to 6.1 at least, static by 6.12
 * and found there through kallsyms (Debian builds 6.12 with
 * KALLSYMS_ALL).  Kbuild tells which from the kernel's kvm_host.h.
 */
static struct dentry *ksf_kvm_debugfs_dir(void)
{
#ifdef KSF_KVM_DEBUGFS_DIR_EXPORTED
	return READ_ONCE(kvm_debugfs_dir);
#else
	struct dentry **dir = (struct dentry **)ksf_symbol("kvm_debugfs_dir");

	return dir ? READ_ONCE(*dir) : NULL;
#endif
}

/*
 * Pass every vCPU of every VM that exists now to ksf_found_vcpu().
 * -ENOENT when KVM's debugfs directory is not there (debugfs disabled).
 */
int ksf_scan_existing_vcpus(void)
{
	struct dentry *top = ksf_kvm_debugfs_dir(), *dir;
	struct kvm_vcpu *vcpu;
	struct kvm *kvm;
	unsigned long i;

	if (IS_ERR_OR_NULL(top) || !d_inode(top))
		return -ENOENT;
	inode_lock(d_inode(top));
	spin_lock(&top->d_lock);
	ksf_for_each_child(dir, top) {
		/* unhashed: removed, and its VM may be freed already */
		if (!d_is_dir(dir) || d_unhashed(dir))
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
