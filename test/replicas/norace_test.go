//go:build !race

package replicas

const raceBuild = false
