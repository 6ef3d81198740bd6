"""BigArtifactBench for Metaflow: the same flow as bench/big_artifact_bench.cpp (a float64 array of
`mib` MiB, first half uniform random values, second half zeros, written in start and summed in end),
run by bench/run --metaflow for a side-by-side figure."""
import numpy
from metaflow import FlowSpec, Parameter, step


class BigArtifactBench(FlowSpec):
    mib = Parameter("mib", default=64, help="size of the artifact in MiB")

    @step
    def start(self):
        count = self.mib * (1 << 20) // 8
        self.data = numpy.zeros(count)
        self.data[: count // 2] = numpy.random.default_rng(42).random(count // 2)
        self.expected_sum = float(self.data.sum())
        self.next(self.end)

    @step
    def end(self):
        total = float(self.data.sum())
        if abs(total - self.expected_sum) > 1e-6 * abs(self.expected_sum):
            raise RuntimeError("sum mismatch")
        print("elements", self.data.size, "sum", total)


if __name__ == "__main__":
    BigArtifactBench()
