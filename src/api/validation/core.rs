//! Validation of core and other kinds: Namespace, Node, Service, Endpoints, EndpointSlice,
//! ConfigMap, Secret, ServiceAccount, Event, PersistentVolumeClaim, PersistentVolume,
//! StorageClass, Job, CronJob, PodDisruptionBudget.
