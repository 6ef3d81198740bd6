#!/usr/bin/python3
"""Lists a task's cards the way Metaflow's `card list --as-json` finds them (ui-cards.md §3.5),
for a local datastore, without Metaflow installed: the card root comes from the task's `ds-root`
metadata (Metaflow's card client fails without `ds-type`), then the card directory is listed and
each file name is split on '-' into type[-id]-hash.

Usage: metaflow_card_list.py <datastore root (.../.metaflow)> <Flow/run/step/task>
Prints {"pathspec", "cards": [{"id", "hash", "type", "filename"}]}; exits 1 with a message if the
task's metadata lacks ds-type or ds-root.
"""
import glob
import json
import os
import sys


def latest_meta(meta_dir, field):
    files = sorted(glob.glob(os.path.join(meta_dir, "sysmeta_%s_*.json" % field)))
    if not files:
        return None
    with open(files[-1]) as f:
        return json.load(f)["value"]


def main():
    root, pathspec = sys.argv[1], sys.argv[2]
    flow, run, step, task = pathspec.split("/")
    meta_dir = os.path.join(root, flow, run, step, task, "_meta")
    ds_type = latest_meta(meta_dir, "ds-type")
    if ds_type is None:
        sys.exit("UnresolvableDatastoreException: task %s has no ds-type metadata" % pathspec)
    ds_root = latest_meta(meta_dir, "ds-root")
    if ds_type != "local" or ds_root is None:
        sys.exit("task %s: ds-type %r, ds-root %r: not a local datastore" % (pathspec, ds_type, ds_root))
    card_dir = os.path.join(ds_root, "mf.cards", flow, "runs", run, "steps", step, "tasks", task, "cards")
    cards = []
    for name in sorted(os.listdir(card_dir)) if os.path.isdir(card_dir) else []:
        if not name.endswith(".html"):
            continue
        parts = name[: -len(".html")].split("-")
        if len(parts) == 2:
            card_type, card_id, card_hash = parts[0], None, parts[1]
        elif len(parts) == 3:
            card_type, card_id, card_hash = parts
        else:
            continue
        cards.append({"id": card_id, "hash": card_hash, "type": card_type, "filename": name})
    print(json.dumps({"pathspec": pathspec, "cards": cards}))


if __name__ == "__main__":
    main()
