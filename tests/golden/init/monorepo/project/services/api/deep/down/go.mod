module example.com/too/deep

go 1.23
