// SPDX-License-Identifier: GPL-2.0
/*
 * ethtool: driver info, link, per-queue statistics (ethtool -S), channels
 * (-l/-L: how many of the opened queues are in use), RSS (-x/-X) and the
 * buffers' sections as ring sizes (-g).  Every callback runs under rtnl.
 */
#include <linux/ethtool.h>
#include <linux/netdevice.h>

#include "netvsc.h"

static const char *const netvsc_tx_stat_names[] = {
	"tx_packets", "tx_bytes", "tx_copied", "tx_ranges", "tx_busy",
	"tx_dropped", "tx_linearized",
};

static const char *const netvsc_rx_stat_names[] = {
	"rx_packets", "rx_bytes", "rx_recvs",
};

#define NETVSC_QUEUE_STATS	(ARRAY_SIZE(netvsc_tx_stat_names) + \
				 ARRAY_SIZE(netvsc_rx_stat_names) + \
				 NETVSC_DROP_MAX)

static void netvsc_get_drvinfo(struct net_device *ndev,
			       struct ethtool_drvinfo *info)
{
	struct netvsc_dev *nd = netdev_priv(ndev);

	strscpy(info->driver, KBUILD_MODNAME, sizeof(info->driver));
	strscpy(info->version, NETVSC_DRIVER_VERSION, sizeof(info->version));
	snprintf(info->fw_version, sizeof(info->fw_version), "protocol %u.%u",
		 nd->version >> 16, nd->version & 0xffff);
	strscpy(info->bus_info, dev_name(&nd->vdev->dev),
		sizeof(info->bus_info));
}

/* A virtual port: the speed is what we say it is. */
static int netvsc_get_link_ksettings(struct net_device *ndev,
				     struct ethtool_link_ksettings *cmd)
{
	ethtool_link_ksettings_zero_link_mode(cmd, supported);
	ethtool_link_ksettings_zero_link_mode(cmd, advertising);
	cmd->base.speed = NETVSC_SPEED;
	cmd->base.duplex = DUPLEX_FULL;
	cmd->base.port = PORT_OTHER;
	cmd->base.autoneg = AUTONEG_DISABLE;
	return 0;
}

static int netvsc_get_sset_count(struct net_device *ndev, int sset)
{
	struct netvsc_dev *nd = netdev_priv(ndev);

	if (sset != ETH_SS_STATS)
		return -EOPNOTSUPP;
	return nd->nr_queues * NETVSC_QUEUE_STATS;
}

static void netvsc_get_strings(struct net_device *ndev, u32 sset, u8 *data)
{
	struct netvsc_dev *nd = netdev_priv(ndev);
	u32 i, j;

	if (sset != ETH_SS_STATS)
		return;
	for (i = 0; i < nd->nr_queues; i++) {
		for (j = 0; j < ARRAY_SIZE(netvsc_tx_stat_names); j++)
			ethtool_sprintf(&data, "queue_%u_%s", i,
					netvsc_tx_stat_names[j]);
		for (j = 0; j < ARRAY_SIZE(netvsc_rx_stat_names); j++)
			ethtool_sprintf(&data, "queue_%u_%s", i,
					netvsc_rx_stat_names[j]);
		for (j = 0; j < NETVSC_DROP_MAX; j++)
			ethtool_sprintf(&data, "queue_%u_%s", i,
					netvsc_drop_names[j]);
	}
}

static void netvsc_get_ethtool_stats(struct net_device *ndev,
				     struct ethtool_stats *stats, u64 *data)
{
	struct netvsc_dev *nd = netdev_priv(ndev);
	const struct netvsc_tx_stats *t;
	const struct netvsc_rx_stats *r;
	unsigned int start;
	u32 i, j;

	for (i = 0; i < nd->nr_queues; i++) {
		t = &nd->queues[i].tx_stats;
		do {
			start = u64_stats_fetch_begin(&t->syncp);
			data[0] = t->packets;
			data[1] = t->bytes;
			data[2] = t->copied;
			data[3] = t->ranges;
			data[4] = t->busy;
			data[5] = t->dropped;
			data[6] = t->linearized;
		} while (u64_stats_fetch_retry(&t->syncp, start));
		data += ARRAY_SIZE(netvsc_tx_stat_names);
		r = &nd->queues[i].rx_stats;
		do {
			start = u64_stats_fetch_begin(&r->syncp);
			data[0] = r->packets;
			data[1] = r->bytes;
			data[2] = r->recvs;
			for (j = 0; j < NETVSC_DROP_MAX; j++)
				data[3 + j] = r->drops[j];
		} while (u64_stats_fetch_retry(&r->syncp, start));
		data += ARRAY_SIZE(netvsc_rx_stat_names) + NETVSC_DROP_MAX;
	}
}

/* Sections are the only ring we have: receive and send buffers. */
static void netvsc_get_ringparam(struct net_device *ndev,
				 struct ethtool_ringparam *ring,
				 struct kernel_ethtool_ringparam *kring,
				 struct netlink_ext_ack *extack)
{
	ring->rx_max_pending = NETVSC_RECV_BUF_SIZE / NETVSC_RECV_SECTION;
	ring->rx_pending = ring->rx_max_pending;
	ring->tx_max_pending = NETVSC_SEND_SECTIONS;
	ring->tx_pending = ring->tx_max_pending;
}

static void netvsc_get_channels(struct net_device *ndev,
				struct ethtool_channels *ch)
{
	struct netvsc_dev *nd = netdev_priv(ndev);

	ch->max_combined = nd->nr_queues;
	ch->combined_count = ndev->real_num_tx_queues;
}

/*
 * Every queue stays open: a change moves the stack's queues and the RSS
 * table, shrinking the table first (so that the queues given up receive
 * nothing more) and growing it last.
 */
static int netvsc_set_channels(struct net_device *ndev,
			       struct ethtool_channels *ch)
{
	struct netvsc_dev *nd = netdev_priv(ndev);
	u32 old = ndev->real_num_tx_queues, n = ch->combined_count, i;
	int ret;

	if (ch->rx_count || ch->tx_count || ch->other_count || !n ||
	    n > nd->nr_queues)
		return -EINVAL;
	if (n == old)
		return 0;
	if (!netif_is_rxfh_configured(ndev))
		for (i = 0; i < VMB_NET_RSS_INDIR_LEN; i++)
			nd->rss_indir[i] = ethtool_rxfh_indir_default(i, n);
	if (n < old) {
		ret = netvsc_set_rss(nd, n);
		if (ret)
			return ret;
	}
	ret = netif_set_real_num_tx_queues(ndev, n);
	if (!ret)
		ret = netif_set_real_num_rx_queues(ndev, n);
	if (!ret && n > old)
		ret = netvsc_set_rss(nd, n);
	return ret;
}

static int netvsc_get_rxnfc(struct net_device *ndev, struct ethtool_rxnfc *info,
			    u32 *rules)
{
	if (info->cmd != ETHTOOL_GRXRINGS)
		return -EOPNOTSUPP;
	info->data = ndev->real_num_rx_queues;
	return 0;
}

static u32 netvsc_get_rxfh_key_size(struct net_device *ndev)
{
	return VMB_NET_RSS_KEY_LEN;
}

static u32 netvsc_get_rxfh_indir_size(struct net_device *ndev)
{
	return VMB_NET_RSS_INDIR_LEN;
}

static int netvsc_rxfh_get(struct net_device *ndev, u32 *indir, u8 *key,
			   u8 *hfunc)
{
	struct netvsc_dev *nd = netdev_priv(ndev);

	if (hfunc)
		*hfunc = ETH_RSS_HASH_TOP;
	if (indir)
		memcpy(indir, nd->rss_indir, sizeof(nd->rss_indir));
	if (key)
		memcpy(key, nd->rss_key, sizeof(nd->rss_key));
	return 0;
}

/* The core checked each entry against ETHTOOL_GRXRINGS. */
static int netvsc_rxfh_set(struct net_device *ndev, const u32 *indir,
			   const u8 *key, u8 hfunc)
{
	struct netvsc_dev *nd = netdev_priv(ndev);
	u32 old_indir[VMB_NET_RSS_INDIR_LEN];
	u8 old_key[VMB_NET_RSS_KEY_LEN];
	int ret;

	if (hfunc != ETH_RSS_HASH_NO_CHANGE && hfunc != ETH_RSS_HASH_TOP)
		return -EOPNOTSUPP;
	if (!(nd->caps & VMB_NET_CAP_RSS))
		return -EOPNOTSUPP;
	memcpy(old_indir, nd->rss_indir, sizeof(old_indir));
	memcpy(old_key, nd->rss_key, sizeof(old_key));
	if (indir)
		memcpy(nd->rss_indir, indir, sizeof(nd->rss_indir));
	if (key)
		memcpy(nd->rss_key, key, sizeof(nd->rss_key));
	ret = netvsc_set_rss(nd, ndev->real_num_rx_queues);
	if (ret) {
		memcpy(nd->rss_indir, old_indir, sizeof(old_indir));
		memcpy(nd->rss_key, old_key, sizeof(old_key));
	}
	return ret;
}

VMB_COMPAT_DEFINE_RXFH(netvsc_rxfh, netvsc_rxfh_get, netvsc_rxfh_set)

const struct ethtool_ops netvsc_ethtool_ops = {
	.get_drvinfo		= netvsc_get_drvinfo,
	.get_link		= ethtool_op_get_link,
	.get_link_ksettings	= netvsc_get_link_ksettings,
	.get_sset_count		= netvsc_get_sset_count,
	.get_strings		= netvsc_get_strings,
	.get_ethtool_stats	= netvsc_get_ethtool_stats,
	.get_ringparam		= netvsc_get_ringparam,
	.get_channels		= netvsc_get_channels,
	.set_channels		= netvsc_set_channels,
	.get_rxnfc		= netvsc_get_rxnfc,
	.get_rxfh_key_size	= netvsc_get_rxfh_key_size,
	.get_rxfh_indir_size	= netvsc_get_rxfh_indir_size,
	.get_rxfh		= netvsc_rxfh_get_compat,
	.set_rxfh		= netvsc_rxfh_set_compat,
};
