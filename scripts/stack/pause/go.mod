module etcd-operator/pause

go 1.25
