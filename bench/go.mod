module github.com/tensorcount/tensorcount/bench

go 1.26.0

replace github.com/tensorcount/tensorcount => ../

require (
	github.com/gpustack/gguf-parser-go v0.28.2
	github.com/tensorcount/tensorcount v0.0.0-00010101000000-000000000000
	github.com/x448/float16 v0.8.4
)

require (
	github.com/go-json-experiment/json v1.27.2 // indirect
	github.com/henvic/httpretty v0.1.4 // indirect
	github.com/json-iterator/go v1.1.12 // indirect
	github.com/modern-go/concurrent v0.0.0-20180306012644-bacd9c7ef1dd // indirect
	github.com/modern-go/reflect2 v1.0.2 // indirect
	github.com/smallnest/ringbuffer v0.0.0-20241116012123-461381446e3d // indirect
	golang.org/x/crypto v0.29.0 // indirect
	golang.org/x/exp v0.0.0-20261113113407-e3970619a1a4 // indirect
	golang.org/x/mod v0.42.0 // indirect
	golang.org/x/sync v0.24.0 // indirect
	golang.org/x/sys v0.49.0 // indirect
	golang.org/x/tools v0.52.1-0.20261106145633-d407941a339a // indirect
	gonum.org/v1/gonum v0.15.1 // indirect
)
