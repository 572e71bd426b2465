"""`make bench`: run every benchmark and print one table (each figure beside its same-run baseline)."""
from bench import (
    assessment_bench,
    certificate_bench,
    dashboard_bench,
    load_bench,
    verify_bench,
    xapi_bench,
)
from bench.report import print_table

if __name__ == "__main__":
    rows = []
    rows += xapi_bench.main()
    rows += assessment_bench.main()
    rows += dashboard_bench.main()
    rows += certificate_bench.main()
    rows += verify_bench.main()
    rows += load_bench.main()
    print_table(rows)
