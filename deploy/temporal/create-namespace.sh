#!/bin/sh
# One-shot: registers the Temporal namespace used by ogp, run in
# temporalio/admin-tools by the temporal-namespace compose service.
# Succeeds if the namespace already exists.
set -eu

address="${TEMPORAL_ADDRESS:-temporal:7233}"
namespace="${TEMPORAL_NAMESPACE:-default}"
retention="${TEMPORAL_NAMESPACE_RETENTION:-72h}"

attempt=0
until temporal operator cluster health --address "$address" >/dev/null 2>&1; do
	attempt=$((attempt + 1))
	if [ "$attempt" -ge 60 ]; then
		echo "temporal-namespace: Temporal at $address is not healthy after 120 s" >&2
		temporal operator cluster health --address "$address" >&2 || true
		exit 1
	fi
	sleep 2
done

if temporal operator namespace describe --namespace "$namespace" --address "$address" >/dev/null 2>&1; then
	echo "temporal-namespace: namespace '$namespace' already exists"
	exit 0
fi

if out="$(temporal operator namespace create --namespace "$namespace" \
	--retention "$retention" --address "$address" 2>&1)"; then
	echo "temporal-namespace: created namespace '$namespace' (retention $retention)"
	exit 0
fi

case "$out" in
*"already exists"* | *"AlreadyExists"* | *"already registered"*)
	echo "temporal-namespace: namespace '$namespace' already exists"
	;;
*)
	echo "$out" >&2
	exit 1
	;;
esac
