"""`kubectl dynamo validate -f FILE|DIR|-`: offline lint of every DynamoGraphDeployment in the input.

Exit 1 when any finding is an error (or, with --strict, a warning); the report is printed in full
either way.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TextIO

import click

from kubectl_dynamo.cli import options
from kubectl_dynamo.cli.options import GlobalOptions
from kubectl_dynamo.errors import EXIT_FINDINGS, EXIT_OK, InputError, UsageError
from kubectl_dynamo.report.output import Printer

FORMATS = ("table", "json", "yaml")


@dataclass
class ValidateOptions:
    filenames: list[str]
    recursive: bool
    strict: bool
    output: str
    operator_version: str | None
    globals: GlobalOptions
    out: TextIO
    err: TextIO
    stdin: TextIO | None = None
    printer: Printer | None = field(default=None, repr=False)

    def complete(self) -> None:
        """Resolve the printer (and with it the colour decision for stdout)."""
        from kubectl_dynamo.contracts.validation import ValidationReport
        from kubectl_dynamo.report import findings_text, output

        self.printer = output.printer_for(self.output, self.out, self.globals.color,
                                          {"table": findings_text.render_validation}, ValidationReport.to_dict)

    def validate(self) -> None:
        if not self.filenames:
            raise UsageError("-f/--filename is required: a file, a directory or - for stdin")
        options.check_operator_version(self.operator_version, "kubectl dynamo validate")

    def run(self) -> int:
        from kubectl_dynamo import inputs
        from kubectl_dynamo.contracts.validation import ValidationItem, ValidationReport
        from kubectl_dynamo.dgd import model, rules, wellformed
        from kubectl_dynamo.words import plural

        docs = inputs.read_documents(self.filenames, self.recursive, self.stdin)
        configmaps = inputs.configmaps(docs)
        claims = model.gpu_claims_by_name([d.obj for d in docs])
        report = ValidationReport()
        for doc in docs:
            if not wellformed.is_dgd_kind(doc.obj):
                self.globals.log(2, f"skipping {doc.kind}/{doc.name} ({doc.where}): not a DynamoGraphDeployment")
                continue
            graph, unread = wellformed.read(doc.obj, doc.source)
            if graph is None:  # a field of the wrong type, or an unknown version: only that is said
                report.items.append(ValidationItem(wellformed.display_name(doc.obj), None, doc.source, unread))
                continue
            findings = rules.validate(graph, configmaps, self.operator_version, claims=claims)
            report.items.append(ValidationItem(graph.name, graph.namespace, doc.source, findings))
        if not report.items:
            raise InputError(
                f"no DynamoGraphDeployment in {', '.join(self.filenames)} "
                f"({plural(len(docs), 'other document')} read)"
            )
        assert self.printer is not None
        self.printer(report, self.out)
        failed = report.errors > 0 or (self.strict and report.warnings > 0)
        return EXIT_FINDINGS if failed else EXIT_OK


@options.command(
    "validate",
    short_help="Check DynamoGraphDeployment manifests offline",
    epilog="""\b
Examples:
  # Check one manifest
  kubectl dynamo validate -f my-llm.yaml
\b
  # Check every manifest under a directory, failing on warnings too (CI)
  kubectl dynamo validate -f deploy/ -R --strict
\b
  # From stdin, as JSON
  kubectl dynamo init --nodes 2 --gpus 8 | kubectl dynamo validate -f - -o json""",
)
@options.filename_option("File, directory (*.yaml, *.yml, *.json) or - for stdin; repeatable.")
@options.recursive_option()
@click.option("--strict", is_flag=True, default=False, help="Exit 1 on warnings too, not only on errors.")
@options.operator_version_option()
@options.output_option(*FORMATS, default="table")
def validate(filenames: tuple[str, ...], recursive: bool, strict: bool, operator_version: str | None, output: str) -> int:
    """Lint DynamoGraphDeployment manifests without a cluster.

    Checks each DGD against the rules the Dynamo operator applies (and the ones it does not check but
    that make a multinode deployment hang): the schema, nodeCount × GPUs against the engine's
    tensor/pipeline/data parallelism, backend detection, flag spelling, annotations and the Grove
    name budget. Exits 1 when any finding is an error.
    """
    out, err = options.streams()
    opts = ValidateOptions(list(filenames), recursive, strict, output, operator_version, options.get_globals(), out, err)
    opts.complete()
    opts.validate()
    return opts.run()
