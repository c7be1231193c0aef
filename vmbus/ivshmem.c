// SPDX-License-Identifier: GPL-2.0
/*
 * The ivshmem-doorbell transport.  The host (vmbusd) serves QEMU's
 * ivshmem-doorbell device: BAR0 holds its registers (we use the Doorbell),
 * BAR1 its MSI-X table, and BAR2 the interface region the host created
 * (include/vmb_protocol.h): a signature page, two message queues and the
 * channel event bitmaps.  Vector 0 carries messages; vectors 1..n channel
 * events, one per vCPU, spread over the CPUs by managed affinity.
 *
 * Security model: the interface region is written by the host at any time.
 * The guest reads each shared index once, keeps its own copy of the index it
 * owns, checks the host's index against it, copies a slot out before looking
 * at it, and clamps every length.  A corrupt index is reported (ratelimited)
 * and the queue resynchronised; nothing the host writes can make the guest
 * touch memory outside the region.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/interrupt.h>
#include <linux/io.h>
#include <linux/pci.h>
#include <linux/slab.h>
#include <linux/wait.h>

#include "vmbus_private.h"

#define IVSHMEM_BAR_REGS	0
#define IVSHMEM_BAR_SHM		2
#define IVSHMEM_REG_DOORBELL	12

#define VMB_POST_TIMEOUT	(5 * HZ)

struct vmb_ivshmem;

struct vmb_ivshmem_vec {
	struct vmb_ivshmem *ivs;
	/*
	 * This vector's host-to-guest bits.  The host sets them at any time;
	 * only this vector's handler takes them, a word at a time, by xchg().
	 */
	__le64 *events;
};

/* Everything not said otherwise is set up by probe before the IRQs. */
struct vmb_ivshmem {
	struct vmb_transport transport;
	struct pci_dev *pdev;
	void __iomem *regs;
	void *shm;
	u32 host_peer;
	u32 host_vectors;		/* per peer, from the header */
	struct vmb_conn *conn;

	/*
	 * Guest-to-host queue: we produce.  post_lock serialises posters: it
	 * protects @g2h_prod, the slot it names, and our stores to the
	 * queue's prod and prod_waiting.  Taken with spin_lock() by
	 * vmb_ivshmem_try_post() only, in process context (a poster sleeps on
	 * @space_wq while the queue is full, so none is in interrupt context,
	 * and the vector-0 handler only wakes @space_wq).  A leaf, taken
	 * under a channel's open_lock when open, close and retarget post.
	 */
	spinlock_t post_lock;
	struct vmb_msgq_ctl *g2h_ctl;
	struct vmb_msg *g2h_slots;
	u32 g2h_prod;			/* our copy, under post_lock */
	wait_queue_head_t space_wq;	/* posters waiting for a free slot */

	/*
	 * Host-to-guest queue: we consume, only in rx_work, which the vector-0
	 * handler queues and remove cancels after freeing that handler.  A
	 * work item never runs on two CPUs at once, so @h2g_cons and @rx_msg
	 * need no lock.
	 */
	struct vmb_msgq_ctl *h2g_ctl;
	struct vmb_msg *h2g_slots;
	u32 h2g_cons;			/* our copy */
	struct work_struct rx_work;
	struct vmb_msg rx_msg;		/* private copy of the slot in hand */

	/*
	 * Guest-to-host bits, little-endian, by relid: set from any context
	 * by test_and_set_bit_le(), cleared by the host.
	 */
	unsigned long *g2h_events;
	unsigned int nr_irqs;		/* 1 + transport.nr_chan_vectors */
	struct vmb_ivshmem_vec vecs[VMB_MAX_CHAN_VECTORS + 1];
};

static struct vmb_ivshmem *to_ivshmem(struct vmb_transport *t)
{
	return container_of(t, struct vmb_ivshmem, transport);
}

static void vmb_ivshmem_ring(struct vmb_ivshmem *ivs, unsigned int vector)
{
	writel((ivs->host_peer << 16) | vector,
	       ivs->regs + IVSHMEM_REG_DOORBELL);
}

/* Returns 0 when posted, -EAGAIN when the queue is full, -EIO if corrupt. */
static int vmb_ivshmem_try_post(struct vmb_ivshmem *ivs, u32 type,
				const void *payload, u32 len)
{
	struct vmb_msg *slot;
	u32 cons, used;

	spin_lock(&ivs->post_lock);
	cons = le32_to_cpu(READ_ONCE(ivs->g2h_ctl->cons));
	used = ivs->g2h_prod - cons;
	if (used == VMB_MSGQ_SLOTS) {
		WRITE_ONCE(ivs->g2h_ctl->prod_waiting, cpu_to_le32(1));
		/*
		 * Order the flag before re-reading cons; pairs with the
		 * host's barrier between writing cons and reading the flag,
		 * so either we see the freed slot or the host sees the flag.
		 */
		virt_mb();
		cons = le32_to_cpu(READ_ONCE(ivs->g2h_ctl->cons));
		used = ivs->g2h_prod - cons;
	}
	if (used >= VMB_MSGQ_SLOTS) {
		spin_unlock(&ivs->post_lock);
		if (used == VMB_MSGQ_SLOTS)
			return -EAGAIN;
		dev_err_ratelimited(&ivs->pdev->dev,
				    "host corrupted the message queue (prod %u cons %u)\n",
				    ivs->g2h_prod, cons);
		return -EIO;
	}
	WRITE_ONCE(ivs->g2h_ctl->prod_waiting, 0);

	slot = &ivs->g2h_slots[ivs->g2h_prod % VMB_MSGQ_SLOTS];
	slot->type = cpu_to_le32(type);
	slot->len = cpu_to_le32(len);
	memcpy(slot->payload, payload, len);
	/* Slot contents before prod; pairs with the host's acquire of prod. */
	virt_wmb();
	ivs->g2h_prod++;
	WRITE_ONCE(ivs->g2h_ctl->prod, cpu_to_le32(ivs->g2h_prod));
	spin_unlock(&ivs->post_lock);

	vmb_ivshmem_ring(ivs, VMB_VECTOR_MSG);
	return 0;
}

static int vmb_ivshmem_post_msg(struct vmb_transport *t, u32 type,
				const void *payload, u32 len)
{
	struct vmb_ivshmem *ivs = to_ivshmem(t);
	long left;
	int ret;

	if (WARN_ON_ONCE(len > VMB_MSG_MAX_PAYLOAD))
		return -EINVAL;

	left = wait_event_timeout(ivs->space_wq,
				  (ret = vmb_ivshmem_try_post(ivs, type,
							      payload, len))
				  != -EAGAIN,
				  VMB_POST_TIMEOUT);
	if (!left)
		return -ETIMEDOUT;
	return ret;
}

static void vmb_ivshmem_signal(struct vmb_transport *t, u32 relid)
{
	struct vmb_ivshmem *ivs = to_ivshmem(t);

	/* Already pending: the host has not looked yet, no need to ring. */
	if (!test_and_set_bit_le(relid, ivs->g2h_events))
		vmb_ivshmem_ring(ivs, VMB_VECTOR_CHANNEL);
}

static const struct vmb_transport_ops vmb_ivshmem_ops = {
	.post_msg = vmb_ivshmem_post_msg,
	.signal = vmb_ivshmem_signal,
};

/* The host set bits in this vector's bitmap: hand each channel its event. */
static irqreturn_t vmb_ivshmem_chan_irq(int irq, void *data)
{
	struct vmb_ivshmem_vec *vec = data;
	unsigned long bits;
	unsigned int w, b;

	for (w = 0; w < VMB_EVENT_BITMAP_SIZE / sizeof(__le64); w++) {
		if (!READ_ONCE(vec->events[w]))
			continue;
		bits = le64_to_cpu((__force __le64)xchg((__force u64 *)&vec->events[w], 0));
		for_each_set_bit(b, &bits, 64)
			vmb_conn_chan_event(vec->ivs->conn, w * 64 + b);
	}
	return IRQ_HANDLED;
}

/* The sole consumer of the host-to-guest queue: no lock, see rx_work. */
static void vmb_ivshmem_rx_work(struct work_struct *work)
{
	struct vmb_ivshmem *ivs = container_of(work, struct vmb_ivshmem,
					       rx_work);
	struct vmb_msg *msg = &ivs->rx_msg;
	u32 prod, type, len;

	prod = le32_to_cpu(READ_ONCE(ivs->h2g_ctl->prod));
	/* prod before the slots; pairs with the host's release of prod. */
	virt_rmb();

	if (prod - ivs->h2g_cons > VMB_MSGQ_SLOTS) {
		dev_err_ratelimited(&ivs->pdev->dev,
				    "host message queue index out of range (prod %u cons %u), resynchronising\n",
				    prod, ivs->h2g_cons);
		ivs->h2g_cons = prod;
		WRITE_ONCE(ivs->h2g_ctl->cons, cpu_to_le32(prod));
		return;
	}

	while (ivs->h2g_cons != prod) {
		memcpy(msg, &ivs->h2g_slots[ivs->h2g_cons % VMB_MSGQ_SLOTS],
		       sizeof(*msg));
		/* Done reading the slot before handing it back to the host. */
		virt_mb();
		ivs->h2g_cons++;
		WRITE_ONCE(ivs->h2g_ctl->cons, cpu_to_le32(ivs->h2g_cons));

		type = le32_to_cpu(msg->type);
		len = le32_to_cpu(msg->len);
		if (len > VMB_MSG_MAX_PAYLOAD) {
			vmb_reject(ivs->conn, "message type %u: length %u\n",
				   type, len);
			continue;
		}
		vmb_conn_receive(ivs->conn, type, msg->payload, len);
	}

	/* cons before the flag; pairs with the host's barrier after it. */
	virt_mb();
	if (READ_ONCE(ivs->h2g_ctl->prod_waiting))
		vmb_ivshmem_ring(ivs, VMB_VECTOR_MSG);
}

static irqreturn_t vmb_ivshmem_msg_irq(int irq, void *data)
{
	struct vmb_ivshmem *ivs = data;

	/* One vector for both directions: new messages, and freed slots. */
	wake_up(&ivs->space_wq);
	queue_work(system_highpri_wq, &ivs->rx_work);
	return IRQ_HANDLED;
}

/*
 * Our device, or another ivshmem user's?  Only bind to a region that carries
 * our signature and an ABI we speak; then check the host's facts.
 */
static int vmb_ivshmem_check_region(struct vmb_ivshmem *ivs)
{
	const struct vmb_if_header *hdr = ivs->shm;
	struct device *dev = &ivs->pdev->dev;
	u8 sig[VMB_IF_SIGNATURE_LEN];
	u32 size, peer, vectors;
	u16 major, minor;

	memcpy(sig, hdr->signature, sizeof(sig));
	if (memcmp(sig, VMB_IF_SIGNATURE, VMB_IF_SIGNATURE_LEN)) {
		dev_dbg(dev, "no vmbus signature, not ours\n");
		return -ENODEV;
	}
	major = le16_to_cpu(READ_ONCE(hdr->abi_major));
	minor = le16_to_cpu(READ_ONCE(hdr->abi_minor));
	if (major != VMB_IF_ABI_MAJOR) {
		dev_err(dev, "interface ABI %u.%u not supported (need %u.x)\n",
			major, minor, VMB_IF_ABI_MAJOR);
		return -ENODEV;
	}
	size = le32_to_cpu(READ_ONCE(hdr->region_size));
	peer = le32_to_cpu(READ_ONCE(hdr->host_peer_id));
	vectors = le32_to_cpu(READ_ONCE(hdr->nr_vectors));
	if (size < VMB_IF_SIZE || peer > 0xffff || !vectors ||
	    vectors > VMB_MAX_VECTORS) {
		dev_err(dev, "bad interface header (size %u peer %u vectors %u)\n",
			size, peer, vectors);
		return -ENODEV;
	}
	ivs->host_peer = peer;
	ivs->host_vectors = vectors;
	return 0;
}

/*
 * Vector 0 for messages, then one vector per vCPU (up to the host's vectors
 * and VMB_MAX_CHAN_VECTORS) for channel events.  With fewer, the bus still
 * enumerates but no channel can be opened.
 */
static int vmb_ivshmem_setup_irqs(struct vmb_ivshmem *ivs)
{
	struct irq_affinity affd = { .pre_vectors = 1 };
	struct pci_dev *pdev = ivs->pdev;
	unsigned int want, v;
	int n, ret;

	want = min3(ivs->host_vectors - 1, num_possible_cpus(),
		    (unsigned int)VMB_MAX_CHAN_VECTORS);
	/* An MSI is a write by the device: it needs bus mastering. */
	pci_set_master(pdev);
	n = pci_alloc_irq_vectors_affinity(pdev, 1, 1 + want,
					   PCI_IRQ_MSIX | PCI_IRQ_AFFINITY,
					   &affd);
	if (n < 0) {
		dev_err(&pdev->dev, "cannot enable MSI-X: %d\n", n);
		return n;
	}
	ivs->nr_irqs = n;
	ivs->transport.nr_chan_vectors = n - 1;

	ret = request_irq(pci_irq_vector(pdev, VMB_VECTOR_MSG),
			  vmb_ivshmem_msg_irq, 0, KBUILD_MODNAME, ivs);
	if (ret)
		goto out_free_vectors;
	for (v = 1; v < ivs->nr_irqs; v++) {
		ivs->vecs[v].ivs = ivs;
		ivs->vecs[v].events = ivs->shm + VMB_IF_H2G_EVENTS_OFF +
				      (v - 1) * VMB_EVENT_BITMAP_SIZE;
		ret = request_irq(pci_irq_vector(pdev, v), vmb_ivshmem_chan_irq,
				  0, KBUILD_MODNAME, &ivs->vecs[v]);
		if (ret)
			goto out_free_irqs;
	}
	return 0;

out_free_irqs:
	while (--v > 0)
		free_irq(pci_irq_vector(pdev, v), &ivs->vecs[v]);
	free_irq(pci_irq_vector(pdev, VMB_VECTOR_MSG), ivs);
out_free_vectors:
	pci_free_irq_vectors(pdev);
	return ret;
}

static void vmb_ivshmem_free_irqs(struct vmb_ivshmem *ivs)
{
	struct pci_dev *pdev = ivs->pdev;
	unsigned int v;

	for (v = ivs->nr_irqs - 1; v > 0; v--)
		free_irq(pci_irq_vector(pdev, v), &ivs->vecs[v]);
	free_irq(pci_irq_vector(pdev, VMB_VECTOR_MSG), ivs);
	cancel_work_sync(&ivs->rx_work);
	pci_free_irq_vectors(pdev);
}

static int vmb_ivshmem_probe(struct pci_dev *pdev,
			     const struct pci_device_id *id)
{
	struct device *dev = &pdev->dev;
	struct vmb_ivshmem *ivs;
	int ret;

	ivs = devm_kzalloc(dev, sizeof(*ivs), GFP_KERNEL);
	if (!ivs)
		return -ENOMEM;
	ivs->pdev = pdev;

	ret = pcim_enable_device(pdev);
	if (ret)
		return ret;
	if (pci_resource_len(pdev, IVSHMEM_BAR_SHM) < VMB_IF_SIZE)
		return -ENODEV;
	ret = pcim_iomap_regions(pdev, BIT(IVSHMEM_BAR_REGS), KBUILD_MODNAME);
	if (ret)
		return ret;
	ivs->regs = pcim_iomap_table(pdev)[IVSHMEM_BAR_REGS];

	/* Plain RAM on the host side: map it write-back. */
	ivs->shm = devm_memremap(dev, pci_resource_start(pdev, IVSHMEM_BAR_SHM),
				 VMB_IF_SIZE, MEMREMAP_WB);
	if (IS_ERR(ivs->shm))
		return PTR_ERR(ivs->shm);

	ret = vmb_ivshmem_check_region(ivs);
	if (ret)
		return ret;

	ivs->h2g_ctl = ivs->shm + VMB_IF_H2G_CTL_OFF;
	ivs->h2g_slots = ivs->shm + VMB_IF_H2G_SLOTS_OFF;
	ivs->g2h_ctl = ivs->shm + VMB_IF_G2H_CTL_OFF;
	ivs->g2h_slots = ivs->shm + VMB_IF_G2H_SLOTS_OFF;
	ivs->g2h_events = ivs->shm + VMB_IF_G2H_EVENTS_OFF;
	spin_lock_init(&ivs->post_lock);
	init_waitqueue_head(&ivs->space_wq);
	INIT_WORK(&ivs->rx_work, vmb_ivshmem_rx_work);

	/*
	 * Start from where the queues are: whatever a previous driver
	 * instance left unread is stale, and a host that speaks to a new
	 * contact resets its own state.
	 */
	ivs->h2g_cons = le32_to_cpu(READ_ONCE(ivs->h2g_ctl->prod));
	WRITE_ONCE(ivs->h2g_ctl->cons, cpu_to_le32(ivs->h2g_cons));
	ivs->g2h_prod = le32_to_cpu(READ_ONCE(ivs->g2h_ctl->cons));
	WRITE_ONCE(ivs->g2h_ctl->prod, cpu_to_le32(ivs->g2h_prod));

	ivs->transport.ops = &vmb_ivshmem_ops;
	ivs->transport.dev = dev;
	ivs->conn = vmb_conn_create(&ivs->transport);
	if (!ivs->conn)
		return -ENOMEM;

	ret = vmb_ivshmem_setup_irqs(ivs);
	if (ret)
		goto out_destroy_conn;

	pci_set_drvdata(pdev, ivs);
	ret = vmb_conn_connect(ivs->conn);
	if (ret)
		goto out_free_irq;
	return 0;

out_free_irq:
	vmb_ivshmem_free_irqs(ivs);
out_destroy_conn:
	vmb_conn_destroy(ivs->conn);
	return ret;
}

static void vmb_ivshmem_remove(struct pci_dev *pdev)
{
	struct vmb_ivshmem *ivs = pci_get_drvdata(pdev);

	vmb_conn_disconnect(ivs->conn);
	vmb_ivshmem_free_irqs(ivs);
	vmb_conn_destroy(ivs->conn);
}

static ssize_t protocol_version_show(struct device *dev,
				     struct device_attribute *attr, char *buf)
{
	struct vmb_ivshmem *ivs = dev_get_drvdata(dev);
	u32 v = READ_ONCE(ivs->conn->version);

	return sysfs_emit(buf, "%u.%u\n", VMB_VERSION_MAJOR(v),
			  VMB_VERSION_MINOR(v));
}
static DEVICE_ATTR_RO(protocol_version);

static struct attribute *vmb_ivshmem_attrs[] = {
	&dev_attr_protocol_version.attr,
	NULL,
};
ATTRIBUTE_GROUPS(vmb_ivshmem);

static const struct pci_device_id vmb_ivshmem_ids[] = {
	{ PCI_DEVICE(PCI_VENDOR_ID_REDHAT_QUMRANET, 0x1110) },
	{ }
};
MODULE_DEVICE_TABLE(pci, vmb_ivshmem_ids);

static struct pci_driver vmb_ivshmem_driver = {
	.name = KBUILD_MODNAME,
	.id_table = vmb_ivshmem_ids,
	.probe = vmb_ivshmem_probe,
	.remove = vmb_ivshmem_remove,
	.dev_groups = vmb_ivshmem_groups,
};

int vmb_ivshmem_init(void)
{
	return pci_register_driver(&vmb_ivshmem_driver);
}

void vmb_ivshmem_exit(void)
{
	pci_unregister_driver(&vmb_ivshmem_driver);
}
