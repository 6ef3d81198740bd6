"""FanoutBench for Metaflow: the same flow as bench/fanout_bench.cpp (a foreach over n items with a
trivial step, a join that sums, an end step), run by bench/run --metaflow for a side-by-side figure."""
from metaflow import FlowSpec, Parameter, step


class FanoutBench(FlowSpec):
    n = Parameter("n", default=100, help="how many foreach tasks")

    @step
    def start(self):
        self.items = list(range(self.n))
        self.next(self.work, foreach="items")

    @step
    def work(self):
        self.value = self.input * 2
        self.next(self.join)

    @step
    def join(self, inputs):
        self.total = sum(i.value for i in inputs)
        self.next(self.end)

    @step
    def end(self):
        if self.total != self.n * (self.n - 1):
            raise RuntimeError("wrong total %d" % self.total)
        print("total", self.total)


if __name__ == "__main__":
    FanoutBench()
