module vendored

go 1.16
