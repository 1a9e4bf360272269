module example.com/svc

go 1.22

toolchain go1.22.3

require golang.org/x/sync v0.7.0 // indirect
