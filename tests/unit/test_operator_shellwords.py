"""The command-line comparison of the real-operator suite (tests/e2e/operator/shellwords.py): two
renderings are equal when the shell would run the same words, not when the text is equal."""

from __future__ import annotations

import pytest

from tests.e2e.operator import shellwords


@pytest.mark.parametrize(
    ("explain", "operator", "same"),
    [
        pytest.param("sh -c 'exec python3 -m dynamo.vllm --kv \'\"\'\"\'{\"a\": 1}\'\"\'\"\' --node-rank $((GROVE_PCLQ_POD_INDEX + 1))'",
                     ["sh", "-c", 'exec python3 -m dynamo.vllm --kv "{\\"a\\": 1}" --node-rank $((GROVE_PCLQ_POD_INDEX + 1))'],
                     True, id="POSIX single quotes and Go double quotes of the same JSON word are equal"),
        pytest.param("/bin/sh -c 'mpirun --mca plm_rsh_args '\"'\"'-i $HOME/.ssh/id_rsa'\"'\"''",
                     ["/bin/sh", "-c", 'mpirun --mca plm_rsh_args "-i $HOME/.ssh/id_rsa"'],
                     False, id="a single-quoted $HOME is not expanded, a double-quoted one is"),
        pytest.param("/bin/sh -c 'mpirun -H '\"'\"'$(LWS_LEADER_ADDRESS),x'\"'\"''",
                     ["/bin/sh", "-c", "mpirun -H $(LWS_LEADER_ADDRESS),x"],
                     True, id="the kubelet expands $(NAME) whatever the shell quoting"),
        pytest.param("/bin/sh -c 'mpirun -H '\"'\"'$(echo \"$A\" | sed s/x/y/)'\"'\"''",
                     ["/bin/sh", "-c", 'mpirun -H $(echo "$A" | sed s/x/y/)'],
                     False, id="a single-quoted command substitution does not run"),
        pytest.param("/bin/sh -c '<set up ssh> && sshd -D'",
                     ["/bin/sh", "-c", "mkdir -p $HOME/.ssh && cp a b && sshd -D"],
                     True, id="an abbreviated step stands for one or more words"),
        pytest.param("/bin/sh -c '<set up ssh> && sshd -D -p 2222'",
                     ["/bin/sh", "-c", "mkdir -p $HOME/.ssh && sshd -D"],
                     False, id="but the words after it must match"),
        pytest.param("/bin/sh -c 'x && bash -c '\"'\"'run python3 -m m --a b'\"'\"''",
                     ["/bin/sh", "-c", "x && bash -c 'run python3 -m m --a b'"],
                     True, id="a nested bash -c script is opened up too"),
        pytest.param("python3 -m dynamo.vllm --tp 8  # flags not injected: no python ... dynamo.vllm",
                     ["python3", "-m", "dynamo.vllm", "--tp", "8"], True, id="explain's trailing comment is not a word"),
    ],
)
def test_command_lines_compare_by_what_the_shell_runs(explain, operator, same):
    assert shellwords.match(shellwords.display_words(explain), shellwords.argv_words(operator)) is same


def test_arithmetic_and_command_substitution_stay_one_word():
    assert shellwords.words('a $((X + 1)) $([ "$(id -u)" = "0" ] && echo y) b') == [
        "a", "$((X + 1))", '$([ "$(id -u)" = "0" ] && echo y)', "b"]
