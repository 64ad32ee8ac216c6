"""The JSON contracts, one typed result each with its `to_dict()`, next to each other: what
`-o json|yaml` prints is exactly `to_dict()` of one of these (several as a List).

    explanation.py   Explanation       explain           (SPEC: stable)
    validation.py    ValidationReport  validate          (SPEC: stable)
    doctor.py        DoctorReport      doctor            (SPEC: stable)
    description.py   Description       describe          (stable: fields added, none renamed)
    version.py       VersionResult     version           (kubectl's shape)

Fields may be added, never renamed or removed. Pure data: the producers are dgd/plan.explain,
cli/validate_cmd, checks/doctor.report, state/describe.describe and cli/version_cmd.
"""
