// SPDX-License-Identifier: GPL-2.0
/*
 * netvsc.ko: the network client.  Probe opens the primary channel,
 * negotiates (INIT, CONFIG), attaches its buffers, opens one sub-channel
 * per further vCPU (as many as the host serves, 1.1), spreads receive over
 * them (SET_RSS) and registers a net_device with one queue per channel;
 * remove undoes it in reverse.  Receive starts when the interface is
 * brought up (SET_RX_FILTER) and stops when it goes down.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpumask.h>
#include <linux/etherdevice.h>
#include <linux/ethtool.h>
#include <linux/module.h>
#include <linux/netdevice.h>

#include "netvsc.h"

static int netvsc_open(struct net_device *ndev)
{
	struct netvsc_dev *nd = netdev_priv(ndev);
	int ret;

	ret = netvsc_set_rx_filter(nd);
	if (ret)
		return ret;
	netif_tx_start_all_queues(ndev);
	return 0;
}

/* Not running any more: the filter sent now lets nothing through. */
static int netvsc_stop(struct net_device *ndev)
{
	struct netvsc_dev *nd = netdev_priv(ndev);

	netif_tx_disable(ndev);
	netvsc_set_rx_filter(nd);
	return 0;
}

static void netvsc_set_rx_mode(struct net_device *ndev)
{
	struct netvsc_dev *nd = netdev_priv(ndev);

	if (!test_bit(NETVSC_F_REMOVING, &nd->flags))
		schedule_work(&nd->rx_mode_work);
}

static int netvsc_set_mac_address(struct net_device *ndev, void *p)
{
	struct netvsc_dev *nd = netdev_priv(ndev);
	struct sockaddr *sa = p;
	int ret;

	ret = eth_prepare_mac_addr_change(ndev, p);
	if (ret)
		return ret;
	ret = netvsc_set_mac(nd, sa->sa_data);
	if (ret)
		return ret;
	eth_commit_mac_addr_change(ndev, p);
	return 0;
}

/* The host carries up to mtu_max (dev->max_mtu); the buffers hold that. */
static int netvsc_change_mtu(struct net_device *ndev, int mtu)
{
	WRITE_ONCE(ndev->mtu, mtu);
	return 0;
}

static void netvsc_get_stats64(struct net_device *ndev,
			       struct rtnl_link_stats64 *s)
{
	struct netvsc_dev *nd = netdev_priv(ndev);
	u64 packets, bytes, dropped, errors;
	struct netvsc_queue *q;
	unsigned int start;
	u32 i, d;

	for (i = 0; i < nd->nr_queues; i++) {
		q = &nd->queues[i];
		do {
			start = u64_stats_fetch_begin(&q->tx_stats.syncp);
			packets = q->tx_stats.packets;
			bytes = q->tx_stats.bytes;
			dropped = q->tx_stats.dropped;
		} while (u64_stats_fetch_retry(&q->tx_stats.syncp, start));
		s->tx_packets += packets;
		s->tx_bytes += bytes;
		s->tx_dropped += dropped;
		do {
			start = u64_stats_fetch_begin(&q->rx_stats.syncp);
			packets = q->rx_stats.packets;
			bytes = q->rx_stats.bytes;
			dropped = q->rx_stats.drops[NETVSC_DROP_NOMEM] +
				  q->rx_stats.drops[NETVSC_DROP_DOWN];
			errors = 0;
			for (d = 0; d <= NETVSC_DROP_VLAN; d++)
				errors += q->rx_stats.drops[d];
		} while (u64_stats_fetch_retry(&q->rx_stats.syncp, start));
		s->rx_packets += packets;
		s->rx_bytes += bytes;
		s->rx_dropped += dropped;
		s->rx_errors += errors;
	}
}

static const struct net_device_ops netvsc_netdev_ops = {
	.ndo_open		= netvsc_open,
	.ndo_stop		= netvsc_stop,
	.ndo_start_xmit		= netvsc_xmit,
	.ndo_set_rx_mode	= netvsc_set_rx_mode,
	.ndo_set_mac_address	= netvsc_set_mac_address,
	.ndo_validate_addr	= eth_validate_addr,
	.ndo_change_mtu		= netvsc_change_mtu,
	.ndo_get_stats64	= netvsc_get_stats64,
};

/* Offloads as granted; receive checksum and VLAN stripping are the host's. */
static void netvsc_set_features(struct netvsc_dev *nd)
{
	struct net_device *ndev = nd->ndev;
	netdev_features_t hw = NETIF_F_SG;

	if (nd->caps & VMB_NET_CAP_RX_CSUM)
		hw |= NETIF_F_RXCSUM;
	if (nd->caps & VMB_NET_CAP_TX_CSUM) {
		hw |= NETIF_F_HW_CSUM;
		if (nd->caps & VMB_NET_CAP_TSO4)
			hw |= NETIF_F_TSO;
		if (nd->caps & VMB_NET_CAP_TSO6)
			hw |= NETIF_F_TSO6;
		if (hw & (NETIF_F_TSO | NETIF_F_TSO6))
			hw |= NETIF_F_TSO_ECN;
	}
	if (nd->caps & VMB_NET_CAP_VLAN)
		hw |= NETIF_F_HW_VLAN_CTAG_TX;
	ndev->hw_features = hw;
	ndev->features = hw | NETIF_F_HIGHDMA;
	if (nd->caps & VMB_NET_CAP_VLAN)
		ndev->features |= NETIF_F_HW_VLAN_CTAG_RX;
	ndev->vlan_features = hw & ~NETIF_F_HW_VLAN_CTAG_TX;
	/* A GSO frame's headers and payload, the Ethernet header aside. */
	netif_set_tso_max_size(ndev, VMB_NET_GSO_FRAME_MAX - VMB_NET_L2_HLEN);
	ndev->priv_flags |= IFF_LIVE_ADDR_CHANGE;
	ndev->min_mtu = VMB_NET_MTU_MIN;
	ndev->max_mtu = nd->mtu_max;
	ndev->mtu = min_t(u32, ETH_DATA_LEN, nd->mtu_max);
}

/* Sub-channels for the vCPUs beyond the first, as many as the host has. */
static void netvsc_open_subchannels(struct netvsc_dev *nd)
{
	struct vmb_channel *primary = nd->vdev->channel, *sub;
	u32 want = min(num_online_cpus(), nd->max_queues) - 1;
	int have, i;

	if (!want || nd->version < VMB_NET_VERSION_1_1)
		return;
	have = netvsc_request_subchannels(nd, want);
	if (have <= 0)
		return;
	for (i = 1; i <= VMB_MAX_SUBCHANNELS && nd->nr_queues <= want; i++) {
		sub = vmb_chan_subchannel(primary, i);
		if (!sub)
			continue;
		if (netvsc_queue_open(nd, nd->nr_queues, sub))
			break;
		/* Counted from here: closing it is remove's, or probe's. */
		nd->nr_queues++;
		if (netvsc_queue_attach(&nd->queues[nd->nr_queues - 1])) {
			netvsc_queue_close(&nd->queues[--nd->nr_queues]);
			break;
		}
	}
	if (nd->nr_queues <= want)
		dev_warn(&nd->vdev->dev, "%u of %u sub-channels\n",
			 nd->nr_queues - 1, want);
}

/* Each queue's channel interrupts its own vCPU, where its NAPI runs. */
static void netvsc_set_targets(struct netvsc_dev *nd)
{
	unsigned int cpu = cpumask_first(cpu_online_mask);
	u32 i;
	int ret;

	for (i = 0; i < nd->nr_queues && cpu < nr_cpu_ids; i++) {
		ret = vmb_chan_set_target(nd->queues[i].chan, cpu);
		if (ret)
			dev_dbg(&nd->vdev->dev, "queue %u: vCPU %u: %d\n", i,
				cpu, ret);
		cpu = cpumask_next(cpu, cpu_online_mask);
	}
}

/* Spread receive over @n queues: the default table, a random key. */
static int netvsc_init_rss(struct netvsc_dev *nd, u32 n)
{
	u32 i;

	netdev_rss_key_fill(nd->rss_key, sizeof(nd->rss_key));
	for (i = 0; i < VMB_NET_RSS_INDIR_LEN; i++)
		nd->rss_indir[i] = ethtool_rxfh_indir_default(i, n);
	if (n < 2)
		return 0;
	return netvsc_set_rss(nd, n);
}

static void netvsc_close_queues(struct netvsc_dev *nd)
{
	while (nd->nr_queues)
		netvsc_queue_close(&nd->queues[--nd->nr_queues]);
}

static int netvsc_probe(struct vmb_device *vdev,
			const struct vmb_device_id *id)
{
	struct device *dev = &vdev->dev;
	struct net_device *ndev;
	struct netvsc_dev *nd;
	int ret;

	ndev = alloc_etherdev_mq(sizeof(*nd), VMB_NET_QUEUES_MAX);
	if (!ndev)
		return -ENOMEM;
	SET_NETDEV_DEV(ndev, dev);
	nd = netdev_priv(ndev);
	nd->ndev = ndev;
	nd->vdev = vdev;
	mutex_init(&nd->ctl_lock);
	INIT_WORK(&nd->rx_mode_work, netvsc_rx_mode_work);
	INIT_WORK(&nd->link_work, netvsc_link_work);
	netif_carrier_off(ndev);

	ret = -ENOMEM;
	nd->ctl_rt = vmb_reqtable_create(1);
	if (!nd->ctl_rt)
		goto out_free_netdev;
	ret = netvsc_queue_open(nd, 0, vdev->channel);
	if (ret)
		goto out_destroy_ctl_rt;
	nd->nr_queues = 1;
	ret = netvsc_negotiate(nd);
	if (ret)
		goto out_close_queues;
	ret = netvsc_queue_attach(&nd->queues[0]);
	if (ret)
		goto out_close_queues;
	netvsc_open_subchannels(nd);
	ret = netvsc_init_rss(nd, nd->nr_queues);
	if (ret) {
		dev_warn(dev, "SET_RSS failed (%d): one queue\n", ret);
		netvsc_init_rss(nd, 1);
		ret = netif_set_real_num_tx_queues(ndev, 1);
	} else {
		ret = netif_set_real_num_tx_queues(ndev, nd->nr_queues);
	}
	if (!ret)
		ret = netif_set_real_num_rx_queues(ndev,
						   ndev->real_num_tx_queues);
	if (ret)
		goto out_close_queues;

	ndev->netdev_ops = &netvsc_netdev_ops;
	ndev->ethtool_ops = &netvsc_ethtool_ops;
	netvsc_set_features(nd);
	eth_hw_addr_set(ndev, nd->mac);
	ret = register_netdev(ndev);
	if (ret) {
		dev_err(dev, "cannot register the net device: %d\n", ret);
		goto out_close_queues;
	}
	dev_set_drvdata(dev, nd);
	netvsc_set_targets(nd);
	schedule_work(&nd->link_work);
	netdev_info(ndev, "protocol %u.%u, %u queue(s), mac %pM, mtu_max %u, caps %#x, link %s\n",
		    nd->version >> 16, nd->version & 0xffff,
		    ndev->real_num_tx_queues, nd->mac, nd->mtu_max, nd->caps,
		    nd->link_up ? "up" : "down");
	return 0;

out_close_queues:
	netvsc_close_queues(nd);
	cancel_work_sync(&nd->link_work);
out_destroy_ctl_rt:
	vmb_reqtable_destroy(nd->ctl_rt);
out_free_netdev:
	free_netdev(ndev);
	return ret;
}

/*
 * Also the rescind path: there the host answers nothing more, so the
 * requests made on the way down (SET_RX_FILTER) are not sent at all.
 */
static void netvsc_remove(struct vmb_device *vdev)
{
	struct netvsc_dev *nd = dev_get_drvdata(&vdev->dev);
	struct net_device *ndev = nd->ndev;

	set_bit(NETVSC_F_REMOVING, &nd->flags);
	unregister_netdev(ndev);
	cancel_work_sync(&nd->rx_mode_work);
	netvsc_close_queues(nd);
	/* No poll runs now, so neither work is queued again. */
	cancel_work_sync(&nd->link_work);
	cancel_work_sync(&nd->rx_mode_work);
	vmb_reqtable_destroy(nd->ctl_rt);
	dev_info(&vdev->dev, "removed\n");
	free_netdev(ndev);
}

static const struct vmb_device_id netvsc_ids[] = {
	{ .class_id = VMB_CLASS_NET },
	{ }
};

static struct vmb_driver netvsc_driver = {
	.name = "netvsc",
	.id_table = netvsc_ids,
	.probe = netvsc_probe,
	.remove = netvsc_remove,
};

static int __init netvsc_init(void)
{
	int ret;

	ret = vmb_driver_register(&netvsc_driver);
	if (ret)
		return ret;
	pr_info("version " NETVSC_DRIVER_VERSION " loaded\n");
	return 0;
}

static void __exit netvsc_exit(void)
{
	vmb_driver_unregister(&netvsc_driver);
}

module_init(netvsc_init);
module_exit(netvsc_exit);

VMB_MODULE_ALIAS(VMB_CLASS_NET_STR);
MODULE_DESCRIPTION("vmb bus network client: an Ethernet port on the host's switch");
MODULE_VERSION(NETVSC_DRIVER_VERSION);
MODULE_LICENSE("GPL");
