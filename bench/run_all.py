"""`make bench`: run every benchmark and print one table."""
from bench import assessment_bench, load_bench, xapi_bench
from bench.report import print_table

if __name__ == "__main__":
    rows = []
    rows += xapi_bench.main()
    rows += assessment_bench.main()
    rows += load_bench.main()
    print_table(rows)
