"""The region and dummy credentials every local AWS client uses, and the variables that aim a process at the emulator.

Kept free of heavy imports: Lambda workers import it (through `lambda_context`) on every cold start.
"""

from __future__ import annotations

REGION = "us-east-1"
# moto accepts any credentials; these keep boto3 from looking for real ones.
ACCESS_KEY_ID = SECRET_ACCESS_KEY = "local"  # noqa: S105 - not a secret: moto accepts anything


def emulator_environment(endpoint: str) -> dict[str, str]:
    """What a process needs so that boto3 talks to the emulator, never to real AWS.

    `AWS_ENDPOINT_URL` is boto3's own setting: the application needs no code for it.
    """
    return {
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_REGION": REGION,
        "AWS_DEFAULT_REGION": REGION,
        "AWS_ACCESS_KEY_ID": ACCESS_KEY_ID,
        "AWS_SECRET_ACCESS_KEY": SECRET_ACCESS_KEY,
    }
