#!/bin/sh
# Stand-in kindnetd (see kindnetd.Dockerfile): one node's share of kindnet's work. Runs in kind's
# kindnet DaemonSet: host network, NET_ADMIN and NET_RAW, /etc/cni/net.d mounted from the node,
# POD_SUBNET and CONTROL_PLANE_ENDPOINT in the environment.
set -eu
sa=/var/run/secrets/kubernetes.io/serviceaccount
api="https://${CONTROL_PLANE_ENDPOINT:-${KUBERNETES_SERVICE_HOST}:${KUBERNETES_SERVICE_PORT}}"
# A host-network pod has the node's hostname, and kind names nodes after their hostname.
node=$(hostname)

pod_cidr() {
  curl -sf --cacert "$sa/ca.crt" -H "Authorization: Bearer $(cat "$sa/token")" \
    "$api/api/v1/nodes?fieldSelector=metadata.name%3D$node" | jq -r '.items[0].spec.podCIDR // empty'
}

# The controller-manager assigns the pod CIDR shortly after the node registers.
until cidr=$(pod_cidr) && [ -n "$cidr" ]; do
  echo "kindnetd: waiting for node $node to get a podCIDR from $api"
  sleep 2
done
mtu=$(cat /sys/class/net/eth0/mtu 2>/dev/null || echo 1500)
echo "kindnetd: node $node podCIDR $cidr mtu $mtu"

# The CNI config kindnet writes: ptp veths with host-local addresses, and portmap for hostPorts.
tmp=/etc/cni/net.d/.10-kindnet.conflist.tmp
cat >"$tmp" <<CONF
{
  "cniVersion": "0.3.1",
  "name": "kindnet",
  "plugins": [
    {
      "type": "ptp",
      "ipMasq": false,
      "mtu": $mtu,
      "ipam": {
        "type": "host-local",
        "dataDir": "/run/cni-ipam-state",
        "routes": [{ "dst": "0.0.0.0/0" }],
        "ranges": [[{ "subnet": "$cidr" }]]
      }
    },
    { "type": "portmap", "capabilities": { "portMappings": true } }
  ]
}
CONF
mv "$tmp" /etc/cni/net.d/10-kindnet.conflist

# Masquerade what leaves the pod network (kindnet's ip-masq-agent part): pod-to-pod stays unNATed.
chain=KIND-MASQ-AGENT
iptables -t nat -N "$chain" 2>/dev/null || iptables -t nat -F "$chain"
iptables -t nat -A "$chain" -d "$POD_SUBNET" -j RETURN
iptables -t nat -A "$chain" -j MASQUERADE
rule="-m addrtype ! --dst-type LOCAL -m comment --comment kind-masq-agent -j $chain"
# shellcheck disable=SC2086 # the rule is meant to split into arguments
iptables -t nat -C POSTROUTING $rule 2>/dev/null || iptables -t nat -A POSTROUTING $rule
echo "kindnetd: ready"

# Stay up like kindnetd; exit at once on SIGTERM.
trap 'exit 0' TERM INT
while :; do sleep 3600 & wait $!; done
