"""The what-broke block: order, known deviations apart, one cause counted once, one line when clean."""

from __future__ import annotations

from pathlib import Path

from harness.reporting.diff import load_results
from harness.reporting.what_broke import console_lines, headline, rerun_command, what_broke
from harness.reporting.writer import RunInfo, results_document
from tests.report_samples import clean_records, failing_records, write_run


def _document(records: list, tmp_path: Path | None = None) -> dict:  # type: ignore[type-arg]
    info = RunInfo(target="t", issuer="https://as", harness_version="1", started="s", finished="f",
                   rerun="oauth-harness run --target t.yaml")
    return results_document(records, info)


def test_order_new_then_failures_then_warnings_known_apart(tmp_path: Path) -> None:
    write_run(tmp_path, "a", failing_records(), "2026-01-01T00:00:00+00:00")
    write_run(tmp_path, "b", failing_records(extra_failure=True), "2026-01-02T00:00:00+00:00")
    block = what_broke(load_results(tmp_path / "b"))
    assert [(i.group, i.check) for i in block.items] == [
        ("new", "pkce.plain_refused"), ("failed", "pkce.wrong_verifier_refused"),
        ("warning", "token_endpoint.success_client_credentials"), ("warning", "token_endpoint.success_code"),
        ("warning", "token_endpoint.success_refresh")]
    assert [i.check for i in block.known] == ["discovery.jwks_uri_https"]
    assert block.baseline is not None and "2026-01-01" in block.baseline
    warning = block.group("warning")[0]
    assert warning.seen_in == 3 and warning.cause == "TOKEN_RESPONSE_NO_PRAGMA@RFC6749-5.1"
    failure = block.group("failed")[0]
    assert failure.requirement == "RFC7636-4.6" and "MUST continue processing" in failure.requirement_text
    assert (failure.expected, failure.actual) == ("400", "200")
    assert failure.rerun == "oauth-harness run --target sample.yaml --check pkce.wrong_verifier_refused"
    assert headline(block).startswith("1 new failure(s), 1 other failure(s), 3 warning(s), 1 known deviation(s)")


def test_without_baseline_every_failure_is_a_failure() -> None:
    block = what_broke(_document(failing_records()))
    assert block.baseline is None and not block.group("new")
    assert [i.check for i in block.group("failed")] == ["pkce.wrong_verifier_refused"]


def test_clean_run_is_one_line() -> None:
    block = what_broke(_document(clean_records()))
    assert block.all_passed
    assert headline(block) == "Nothing broke: all 3 checks passed, were skipped or await review."


def test_console_block_matches_the_html_order() -> None:
    lines = console_lines(what_broke(_document(failing_records())))
    text = "\n".join(lines)
    assert text.index("Failures:") < text.index("Warnings:") < text.index("Known deviations")
    assert "same cause in 2 more: token_endpoint.success_code, token_endpoint.success_refresh" in text
    assert "KNOWN   discovery.jwks_uri_https" in text
    assert "rerun: oauth-harness run --target t.yaml --check pkce.wrong_verifier_refused" in text
    assert "known: staging uses plain http behind the gateway" in text


def test_rerun_quotes_parametrised_ids() -> None:
    document = {"run": {"rerun": "oauth-harness run --local dot"}}
    assert rerun_command(document, "pkce.verifier_length_bounds[42]") == (
        "oauth-harness run --local dot --check 'pkce.verifier_length_bounds[42]'")


def test_checks_awaiting_review_are_listed_apart() -> None:
    from harness.results import CheckRecord, Outcome

    records = [*clean_records(), CheckRecord(id="discovery.op_policy", suite="discovery", title="Policy page",
                                             outcome=Outcome.REVIEW, requirements=["RFC8414-2"],
                                             message="a person must read the policy page")]
    block = what_broke(_document(records))
    assert block.all_passed and [i.check for i in block.review] == ["discovery.op_policy"]
    assert headline(block).endswith("; 1 awaiting review.")
    assert console_lines(block)[-1].endswith(": discovery.op_policy")
