"""An admin app on Staffroom with Mastodon.py, a client library we did not write:
sign-up through the API, the report queue, moderating an account, domain blocks.

Run by tests/clients.rs against one server where A_USER is a moderator and ADMIN
an admin, and sign-ups need approval. Each step prints its name; a failure names
the step and exits 1.
"""

import os
import sys
import warnings

from mastodon import Mastodon

A = os.environ["STAFFROOM_A"]
ADMIN_SCOPES = ["read", "write", "follow", "admin:read", "admin:write"]

# Mastodon.py warns about entities that do not parse as it expects: here a warning is a failure.
warnings.simplefilter("error")

CURRENT = "start"


def step(name):
    global CURRENT
    CURRENT = name
    print(f"step: {name}", flush=True)


def signed_in(user, password, scopes):
    client_id, client_secret = Mastodon.create_app("Mastodon.py admin test", scopes=scopes, api_base_url=A)
    api = Mastodon(client_id=client_id, client_secret=client_secret, api_base_url=A)
    api.log_in(user, password, scopes=scopes, allow_http=True)
    return api


def main():
    step("a newcomer signs up through the API and waits for approval")
    client_id, client_secret = Mastodon.create_app("Mastodon.py sign-up", scopes=["read", "write"], api_base_url=A)
    newcomer = Mastodon(client_id=client_id, client_secret=client_secret, api_base_url=A)
    newcomer.create_account("newcomer", "a long passphrase", "newcomer@school.example", agreement=True, reason="I teach art", scopes=["read", "write"])

    step("the moderator's admin app sees the sign-up and approves it")
    mod = signed_in(os.environ["A_USER"], os.environ["A_PASSWORD"], ADMIN_SCOPES)
    role = mod.me().role
    assert role.name == "Moderator", role
    pending = mod.admin_accounts_v2(status="pending", origin="local")
    waiting = next((a for a in pending if a.username == "newcomer"), None)
    assert waiting is not None, pending
    assert waiting.invite_request == "I teach art" and waiting.approved is False, waiting
    approved = mod.admin_account_approve(waiting.id)
    assert approved.approved is True, approved
    assert newcomer.me().username == "newcomer", "the newcomer's token works once approved"

    step("the newcomer reports a post; the moderator handles it")
    spammer = signed_in(os.environ["B_USER"], os.environ["B_PASSWORD"], ["read", "write"])
    ad = spammer.status_post("Buy my worksheets!", visibility="public")
    report = newcomer.report(spammer.me().id, status_ids=[ad.id], comment="adverts", category="spam")
    assert report.category == "spam" and report.target_account.username == os.environ["B_USER"], report
    queue = mod.admin_reports()
    entry = next((r for r in queue if r.id == report.id), None)
    assert entry is not None, queue
    assert entry.account.username == "newcomer" and entry.statuses[0].id == ad.id, entry
    assigned = mod.admin_report_assign(entry.id)
    assert assigned.assigned_account.username == os.environ["A_USER"], assigned
    mod.admin_account_moderate(entry.target_account.id, action="silence", report_id=entry.id, text="adverts")
    done = mod.admin_report(entry.id)
    assert done.action_taken is True and done.target_account.silenced is True, done
    assert all(r.id != entry.id for r in mod.admin_reports()), "the report left the queue"
    mod.admin_report_reopen(entry.id)
    mod.admin_report_resolve(entry.id)

    step("a moderator may not block a domain; an admin may")
    try:
        mod.admin_create_domain_block("spam.example")
        raise AssertionError("a moderator blocked a domain")
    except Exception as e:
        assert "403" in str(e) or "not allow" in str(e), e
    admin = signed_in(os.environ["ADMIN_USER"], os.environ["ADMIN_PASSWORD"], ADMIN_SCOPES)
    block = admin.admin_create_domain_block("spam.example", severity="suspend", private_comment="adverts")
    assert block.domain == "spam.example" and block.severity == "suspend", block
    assert any(b.id == block.id for b in admin.admin_domain_blocks()), "the block is listed"
    admin.admin_delete_domain_block(block.id)
    assert all(b.id != block.id for b in admin.admin_domain_blocks()), "the block is gone"

    print("all steps passed", flush=True)


if __name__ == "__main__":
    try:
        main()
    except Exception as e:  # noqa: BLE001 - report which step failed, then fail
        import traceback

        traceback.print_exc()
        print(f"FAILED at step {CURRENT!r}: {e!r}", file=sys.stderr, flush=True)
        sys.exit(1)
