"""Export the fediverse-pasture-inputs corpus to plain JSON fixtures.

    VENV=$(tests/peers/pasture/setup.sh)
    $VENV/bin/python tests/peers/pasture/export_inputs.py [--out DIR] [--no-assets]

Writes, under DIR (default: tests/fixtures/pasture/ of this repository):

  <group>/<input>_<n>.json  one file per example of each input: the example's
                            own properties, the Note (or other object) and the
                            Create activity as the package builds them, and
                            what the package's Mastodon comparison looks at
  manifest.json             every file with its group, description, features
                            and expectations, plus per-input notes
  assets/*.jsonap           the small ActivityPub objects the examples refer
                            to (inReplyTo, quotes), taken from the package's
                            source distribution (fetched with `pip download`);
                            media files are skipped

Ids and timestamps the package generates at random are replaced with stable
values (see NORMALIZED below), so that running this again gives the same files.
Files this script wrote before are removed first; README.md is left alone.
"""

import argparse
import asyncio
import glob
import json
import os
import re
import subprocess
import sys
import tarfile
import tempfile
from importlib import metadata
from pathlib import Path

try:
    from fediverse_pasture_inputs import available
    from fediverse_pasture_inputs.tool.transformer import ExampleTransformer
except ImportError:
    sys.exit(
        "export_inputs.py: fediverse_pasture_inputs is not importable; run it with the "
        "venv's python: $(tests/peers/pasture/setup.sh)/bin/python tests/peers/pasture/export_inputs.py"
    )

PACKAGE = "fediverse-pasture-inputs"
REPO_ROOT = Path(__file__).resolve().parents[3]
DEFAULT_OUT = REPO_ROOT / "tests" / "fixtures" / "pasture"

ACTOR = "http://actor.example"  # the package's sending actor (bovine.testing)
NORMALIZED = {
    "object_id": ACTOR + "/object/{name}",
    "activity_id": ACTOR + "/activity/{name}",
    "published": "2025-01-01T00:00:00Z",
}

# Tags whose presence in content/summary makes an example "hostile" for a
# sanitizer: active content, embedded media and document-level elements.
HOSTILE_TAGS = {
    "script", "img", "audio", "video", "source", "iframe", "object", "embed",
    "form", "input", "select", "button", "style", "meta", "link", "body",
    "html", "head", "title", "article", "header", "footer", "svg", "math",
}
QUOTE_KEYS = ("quote", "quoteUri", "quoteUrl", "_misskey_quote")

# Things in the corpus (as of 0.3.0) that a reader could take for our mistakes.
UPSTREAM_QUIRKS = {
    "html_bad": "Built with f\"<${tag}>${tag}</${tag}>\" upstream, so the content is "
    "literally '<$script>$script</$script>' etc.: '<$' does not open a tag for an HTML "
    "parser, so these test escaping of tag-like text, not removal of real <script>, "
    "<form>, ... (real <script>, <img>, <audio>, <video> are in html_tags).",
    "html_anchor": "The rel examples were built the same way: rel='$tag', rel='$nofollow', ...",
    "attachments": "Upstream's Mastodon column header says 'attributedTo', but the compared "
    "activity property is the attachment.",
    "recommended_attachments": "Upstream's Mastodon column header says 'attributedTo', but the "
    "compared activity property is the attachment.",
}


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


def as_list(value):
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def html_tags_in(text) -> set[str]:
    if not isinstance(text, str):
        return set()
    return {m.lower() for m in re.findall(r"<\s*([A-Za-z][A-Za-z0-9-]*)", text)}


def features_of(example: dict, obj: dict) -> list[str]:
    """What an example exercises, judged from the object itself."""
    found = set()
    texts = [obj.get("content"), obj.get("summary")]
    texts += [v for v in (obj.get("contentMap") or {}).values()] if isinstance(obj.get("contentMap"), dict) else []
    tags = set().union(*(html_tags_in(t) for t in texts))
    if tags:
        found.add("html")
    if tags & HOSTILE_TAGS:
        found.add("hostile_html")
    for tag in as_list(obj.get("tag")):
        if not isinstance(tag, dict):
            continue
        kind = str(tag.get("type", ""))
        if kind.endswith("Mention") or (not kind and str(tag.get("name", "")).startswith("@")):
            found.add("mention")
        if kind.endswith("Hashtag") or (not kind and str(tag.get("name", "")).startswith("#")):
            found.add("hashtag")
        if "_misskey_quote" in str(tag.get("rel", "")):
            found.add("quote")
    attachments = [a for a in as_list(obj.get("attachment")) if isinstance(a, dict)]
    if "summary" in obj or "sensitive" in obj or any("sensitive" in a for a in attachments):
        found.add("content_warning")
    if "contentMap" in obj or "summaryMap" in obj or "nameMap" in obj:
        found.add("language")
    if "inReplyTo" in obj:
        found.add("in_reply_to")
    if obj.get("attachment") is not None:
        found.add("attachment")
    if any(key in obj for key in QUOTE_KEYS):
        found.add("quote")
    if "url" in example:
        found.add("url")
    if "@context" in example:
        found.add("custom_context")
    if obj.get("type") != "Note":
        found.add("non_note_type")
    if any(value is None for value in example.values()):
        found.add("null_property")
    return sorted(found)


def describe(title: str, example: dict) -> str:
    text = json.dumps(example, ensure_ascii=False, separators=(",", ":"))
    if len(text) > 160:
        text = text[:157] + "..."
    return f"{title}: {text}"


def mastodon_columns(inputs, activity: dict) -> dict:
    """Split the package's Mastodon details-table header into the activity
    columns and the Mastodon API status fields they are compared with."""
    details = inputs.details
    if details is None or "mastodon" not in details.title:
        return {}
    columns = [c.strip() for c in details.title["mastodon"].strip().strip("|").split("|")]
    if columns and columns[-1].lower().startswith("ex"):
        columns = columns[:-1]  # the "Example" link column
    try:
        n_activity = len(details.extractor["activity"](activity))
    except Exception:
        return {"upstream_columns": columns}
    return {"mastodon_api_fields": columns[n_activity:], "upstream_activity_columns": columns[:n_activity]}


def normalize(name: str, example: dict, note: dict, activity: dict, generated_object_id: str) -> None:
    object_id = NORMALIZED["object_id"].format(name=name)
    fixed = NORMALIZED["published"]
    for obj in (note, activity.get("object")):
        if not isinstance(obj, dict):
            continue
        if "id" not in example and obj.get("id") == generated_object_id:
            obj["id"] = object_id
        if "published" not in example and "published" in obj:
            obj["published"] = fixed
    activity["id"] = NORMALIZED["activity_id"].format(name=name)
    # bovine builds the Create's addressing from a set, so its order changes
    # with PYTHONHASHSEED: use the object's order (or sorted order) instead.
    inner = activity.get("object") if isinstance(activity.get("object"), dict) else {}
    for key in ("to", "cc", "bto", "bcc"):
        value = activity.get(key)
        if not isinstance(value, list):
            continue
        theirs = inner.get(key)
        if isinstance(theirs, list) and sorted(map(str, theirs)) == sorted(map(str, value)):
            activity[key] = list(theirs)
        else:
            activity[key] = sorted(value, key=str)
    if "published" in activity:
        activity["published"] = fixed


async def build(inputs, example: dict, name: str):
    transformer = ExampleTransformer()
    # One run gives both the object and the Create that would carry it;
    # the package's own create_object/create_activity each run separately
    # and so produce two different random ids.
    await transformer.init_sender_for_example(example)
    sender = transformer.sender
    note = json.loads(json.dumps(sender.note))
    activity = json.loads(json.dumps(sender.activity))
    if "@context" not in note:  # as ExampleTransformer.create_object does
        note["@context"] = ["https://www.w3.org/ns/activitystreams", {"Hashtag": "as:Hashtag", "sensitive": "as:sensitive"}]
    normalize(name, example, note, activity, sender.object_id)
    return note, activity


def write_json(path: Path, data) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def clear_previous(out: Path) -> None:
    """Remove what an earlier run wrote (JSON and .jsonap files), keep the rest."""
    if not out.exists():
        return
    for path in sorted(out.rglob("*"), reverse=True):
        if path.is_file() and path.suffix in (".json", ".jsonap"):
            path.unlink()
        elif path.is_dir() and not any(path.iterdir()):
            path.rmdir()


def export_assets(out: Path, version: str) -> list[str]:
    """Copy the package's small ActivityPub assets (not in the wheel) from its sdist."""
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [
            sys.executable, "-m", "pip", "download", "-q", "--disable-pip-version-check",
            "--no-deps", "--no-binary", ":all:", "-d", tmp, f"{PACKAGE}=={version}",
        ]
        result = subprocess.run(cmd, capture_output=True, text=True)
        archives = glob.glob(os.path.join(tmp, "*.tar.gz"))
        if result.returncode != 0 or not archives:
            print(f"export_inputs.py: could not fetch the sdist for assets: {result.stderr.strip()[-300:]}", file=sys.stderr)
            return []
        written = []
        with tarfile.open(archives[0]) as tar:
            for member in tar.getmembers():
                parts = Path(member.name).parts
                if member.isfile() and len(parts) == 3 and parts[1] == "assets" and parts[2].endswith(".jsonap"):
                    data = tar.extractfile(member).read()
                    json.loads(data)  # must be JSON
                    target = out / "assets" / parts[2]
                    target.parent.mkdir(parents=True, exist_ok=True)
                    target.write_bytes(data)
                    written.append(f"assets/{parts[2]}")
        return sorted(written)


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--no-assets", action="store_true", help="skip fetching assets/*.jsonap from the sdist")
    args = parser.parse_args()
    out: Path = args.out

    version = metadata.version(PACKAGE)
    clear_previous(out)

    files, inputs_meta, groups = [], {}, {}
    for key in sorted(available):
        inputs = available[key]
        group_dir = slug(inputs.group)
        groups.setdefault(group_dir, {"name": inputs.group, "files": 0})
        input_meta = {
            "title": inputs.title,
            "group": inputs.group,
            "dir": group_dir,
            "upstream_page": inputs.filename,
            "notes": inputs.frontmatter.strip(),
            "support_table": inputs.support.title if inputs.support else None,
            "files": len(inputs.examples),
        }
        for index, example in enumerate(inputs.examples):
            name = f"{key}_{index}"
            note, activity = await build(inputs, example, name)
            expected = mastodon_columns(inputs, activity)
            if not expected:
                expected = {
                    "mastodon_api_fields": None,
                    "note": "upstream only records whether Mastodon created a status from it (support table only)",
                }
            if index == 0:
                input_meta.update({k: v for k, v in expected.items() if k != "note"})
                if key in UPSTREAM_QUIRKS:
                    input_meta["quirk"] = UPSTREAM_QUIRKS[key]
            rel = f"{group_dir}/{name}.json"
            description = describe(inputs.title, example)
            features = features_of(example, note)
            write_json(
                out / rel,
                {
                    "input": key,
                    "index": index,
                    "group": inputs.group,
                    "title": inputs.title,
                    "description": description,
                    "features": features,
                    "example": example,
                    "object": note,
                    "activity": activity,
                    "expected": expected,
                },
            )
            files.append(
                {
                    "path": rel,
                    "input": key,
                    "index": index,
                    "group": inputs.group,
                    "description": description,
                    "features": features,
                    "expected": expected,
                }
            )
            groups[group_dir]["files"] += 1
        inputs_meta[key] = input_meta

    assets = [] if args.no_assets else export_assets(out, version)
    if not assets and not args.no_assets:
        print("export_inputs.py: assets/ not written (use --no-assets to skip on purpose)", file=sys.stderr)

    manifest = {
        "generator": "tests/peers/pasture/export_inputs.py",
        "source": {
            "package": PACKAGE,
            "version": version,
            "fediverse_pasture_version": metadata.version("fediverse-pasture"),
            "license": "MIT",
            "copyright": "Copyright (c) 2023-2025 Helge",
            "repository": "https://codeberg.org/funfedidev/fediverse-pasture-inputs",
            "documentation": "https://inputs.funfedi.dev/",
        },
        "normalized": NORMALIZED,
        "hosts": {
            "actor.example": "the sending actor (activity.actor, object.attributedTo)",
            "remote.example": "the receiving actor, appended to activity and object 'to'",
            "pasture-one-actor": "host of the package's one_actor app, which is the sender when the "
            "package runs against real servers (so http://pasture-one-actor/actor means the sender); "
            "/assets/ and /images/ live there",
        },
        "groups": groups,
        "inputs": inputs_meta,
        "assets": assets,
        "files": files,
    }
    write_json(out / "manifest.json", manifest)
    print(f"wrote {len(files)} fixtures from {PACKAGE} {version} to {out}", file=sys.stderr)
    for group_dir, info in sorted(groups.items()):
        print(f"  {group_dir:22} {info['files']:4}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
