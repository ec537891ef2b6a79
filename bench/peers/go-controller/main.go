// Command go-controller is the reference peer for Aura's operator benchmark: a minimal
// controller-runtime operator that watches EphemeralCluster, NodePool and AIJob (aura.io/v1alpha1)
// as unstructured objects and does the same bookkeeping as Aura's reconcilers today:
//
//   - no finalizer: add it and end the pass (the watch event brings the next one);
//   - NodePool whose EphemeralCluster exists: add a controller owner reference and end the pass;
//   - otherwise compute status (phase, observedGeneration, kstatus conditions; NodePool and AIJob
//     also ClusterResolved, AIJob also ClusterReady and clusterName) and patch the status
//     subresource only when it differs from what the object has;
//   - EphemeralCluster: one "Accepted" event (events.k8s.io/v1) on its first status;
//   - deleting: remove the finalizer (nothing exists in AWS to clean up).
//
// Like Aura: one watch-backed cache per kind (reads come from it), NodePools and AIJobs indexed by
// cluster, cluster changes wake their NodePools and AIJobs and vice versa, 2 workers per
// controller, leader election off, one client-side token bucket shared by every client in the
// process, managedFields dropped from cached objects (--strip-managed-fields, default on). Only AIJobs with spec.clusterRef are handled (the benchmark uses no clusterTemplate).
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/tools/events"
	"k8s.io/client-go/util/flowcontrol"
	"k8s.io/klog/v2"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	ctrlcache "sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
)

var (
	clusterGVK = schema.GroupVersionKind{Group: "aura.io", Version: "v1alpha1", Kind: "EphemeralCluster"}
	poolGVK    = schema.GroupVersionKind{Group: "aura.io", Version: "v1alpha1", Kind: "NodePool"}
	jobGVK     = schema.GroupVersionKind{Group: "aura.io", Version: "v1alpha1", Kind: "AIJob"}
)

const (
	clusterFinalizer = "aura.io/ephemeral-cluster"
	poolFinalizer    = "aura.io/node-pool"
	jobFinalizer     = "aura.io/ai-job"
	byCluster        = "byCluster" // NodePools and AIJobs by "namespace/cluster"
)

var log = ctrl.Log.WithName("go-controller")

func newObj(gvk schema.GroupVersionKind) *unstructured.Unstructured {
	u := &unstructured.Unstructured{}
	u.SetGroupVersionKind(gvk)
	return u
}

func newList(gvk schema.GroupVersionKind) *unstructured.UnstructuredList {
	l := &unstructured.UnstructuredList{}
	l.SetGroupVersionKind(gvk.GroupVersion().WithKind(gvk.Kind + "List"))
	return l
}

func clusterRefName(obj *unstructured.Unstructured) string {
	name, _, _ := unstructured.NestedString(obj.Object, "spec", "clusterRef", "name")
	return name
}

type reconciler struct {
	client.Client
	scheme    *runtime.Scheme
	events    events.EventRecorder
	gvk       schema.GroupVersionKind
	finalizer string
}

func (r *reconciler) Reconcile(ctx context.Context, req reconcile.Request) (reconcile.Result, error) {
	obj := newObj(r.gvk)
	if err := r.Get(ctx, req.NamespacedName, obj); err != nil {
		return reconcile.Result{}, client.IgnoreNotFound(err)
	}
	if !obj.GetDeletionTimestamp().IsZero() {
		if !controllerutil.ContainsFinalizer(obj, r.finalizer) {
			return reconcile.Result{}, nil
		}
		orig := obj.DeepCopy()
		controllerutil.RemoveFinalizer(obj, r.finalizer)
		return reconcile.Result{}, client.IgnoreNotFound(r.Patch(ctx, obj, client.MergeFrom(orig)))
	}
	// Adding the finalizer ends the pass: its watch event brings the next one.
	if !controllerutil.ContainsFinalizer(obj, r.finalizer) {
		orig := obj.DeepCopy()
		controllerutil.AddFinalizer(obj, r.finalizer)
		return reconcile.Result{}, r.Patch(ctx, obj, client.MergeFromWithOptions(orig, client.MergeFromWithOptimisticLock{}))
	}

	st, err := newStatus(obj)
	if err != nil {
		return reconcile.Result{}, err
	}
	firstStatus := st.original["phase"] == nil
	switch r.gvk.Kind {
	case "EphemeralCluster":
		st.status["phase"] = "Pending"
		delete(st.status, "deletionBlockedBy")
		st.stalled("ProvisioningNotImplemented",
			"Aura does not provision AWS resources yet: no VPC, IAM role or EKS cluster was created for this EphemeralCluster")

	case "NodePool":
		name := clusterRefName(obj)
		cluster, err := r.cluster(ctx, obj.GetNamespace(), name)
		if err != nil {
			return reconcile.Result{}, err
		}
		st.status["phase"] = "Pending"
		switch {
		case cluster == nil:
			msg := fmt.Sprintf("EphemeralCluster %q not found in namespace %q", name, obj.GetNamespace())
			st.condition("ClusterResolved", false, "ClusterNotFound", msg)
			st.reconciling("ClusterNotFound", msg)
		case !cluster.GetDeletionTimestamp().IsZero():
			msg := fmt.Sprintf("EphemeralCluster %q is being deleted", name)
			st.condition("ClusterResolved", false, "ClusterDeleting", msg)
			st.reconciling("ClusterDeleting", msg)
		default:
			if !hasOwner(obj, cluster.GetUID()) {
				orig := obj.DeepCopy()
				if err := controllerutil.SetControllerReference(cluster, obj, r.scheme); err != nil {
					return reconcile.Result{}, err
				}
				return reconcile.Result{}, r.Patch(ctx, obj, client.MergeFromWithOptions(orig, client.MergeFromWithOptimisticLock{}))
			}
			st.condition("ClusterResolved", true, "Found", fmt.Sprintf("EphemeralCluster %q", name))
			st.stalled("ProvisioningNotImplemented",
				"Aura does not provision nodes yet: no node group or Karpenter NodePool was created")
		}

	case "AIJob":
		if p, _, _ := unstructured.NestedString(obj.Object, "status", "phase"); p == "Succeeded" || p == "Failed" {
			return reconcile.Result{}, nil // kept as a record
		}
		name := clusterRefName(obj)
		cluster, err := r.cluster(ctx, obj.GetNamespace(), name)
		if err != nil {
			return reconcile.Result{}, err
		}
		st.status["clusterName"] = name
		st.status["phase"] = "WaitingForCluster"
		if cluster == nil {
			msg := fmt.Sprintf("EphemeralCluster %q not found in namespace %q", name, obj.GetNamespace())
			st.condition("ClusterResolved", false, "ClusterNotFound", msg)
			st.reconciling("ClusterNotFound", msg)
		} else {
			phase, _, _ := unstructured.NestedString(cluster.Object, "status", "phase")
			if phase == "" {
				phase = "Pending"
			}
			st.condition("ClusterResolved", true, "Found", fmt.Sprintf("EphemeralCluster %q", name))
			st.condition("ClusterReady", false, "ClusterNotReady", fmt.Sprintf("EphemeralCluster %q is %s", name, phase))
			st.stalled("ExecutionNotImplemented",
				"Aura does not run jobs in child clusters yet: the job waits for its cluster, which is not provisioned")
		}
	}

	changed, err := st.apply(obj)
	if err != nil || !changed {
		return reconcile.Result{}, err
	}
	orig := obj.DeepCopy()
	unstructured.RemoveNestedField(orig.Object, "status")
	_ = unstructured.SetNestedField(orig.Object, st.original, "status")
	if err := r.Status().Patch(ctx, obj, client.MergeFromWithOptions(orig, client.MergeFromWithOptimisticLock{})); err != nil {
		return reconcile.Result{}, err
	}
	if r.gvk.Kind == "EphemeralCluster" && firstStatus {
		r.events.Eventf(obj, nil, "Normal", "Accepted", "Reconcile",
			"EphemeralCluster accepted; AWS provisioning is not implemented yet")
	}
	return reconcile.Result{}, nil
}

func (r *reconciler) cluster(ctx context.Context, ns, name string) (*unstructured.Unstructured, error) {
	if name == "" {
		return nil, nil
	}
	c := newObj(clusterGVK)
	if err := r.Get(ctx, types.NamespacedName{Namespace: ns, Name: name}, c); err != nil {
		return nil, client.IgnoreNotFound(err)
	}
	return c, nil
}

func hasOwner(obj *unstructured.Unstructured, uid types.UID) bool {
	for _, ref := range obj.GetOwnerReferences() {
		if ref.UID == uid {
			return true
		}
	}
	return false
}

// status is the next status of one object, computed from scratch and compared with the current
// one; meta.SetStatusCondition moves lastTransitionTime only when a condition's status flips.
type status struct {
	generation int64
	original   map[string]any
	status     map[string]any
	conditions []metav1.Condition
}

func newStatus(obj *unstructured.Unstructured) (*status, error) {
	orig, _, _ := unstructured.NestedMap(obj.Object, "status")
	if orig == nil {
		orig = map[string]any{}
	}
	s := &status{generation: obj.GetGeneration(), original: orig, status: runtime.DeepCopyJSON(orig)}
	if raw, ok := orig["conditions"].([]any); ok {
		for _, c := range raw {
			m, ok := c.(map[string]any)
			if !ok {
				continue
			}
			var cond metav1.Condition
			if err := runtime.DefaultUnstructuredConverter.FromUnstructured(m, &cond); err == nil {
				s.conditions = append(s.conditions, cond)
			}
		}
	}
	s.status["observedGeneration"] = s.generation
	return s, nil
}

func (s *status) condition(typ string, ok bool, reason, message string) {
	st := metav1.ConditionFalse
	if ok {
		st = metav1.ConditionTrue
	}
	meta.SetStatusCondition(&s.conditions, metav1.Condition{
		Type: typ, Status: st, Reason: reason, Message: message, ObservedGeneration: s.generation,
	})
}

func (s *status) reconciling(reason, message string) {
	s.condition("Ready", false, reason, message)
	s.condition("Reconciling", true, reason, message)
	s.condition("Stalled", false, reason, "")
}

func (s *status) stalled(reason, message string) {
	s.condition("Ready", false, reason, message)
	s.condition("Reconciling", false, reason, "")
	s.condition("Stalled", true, reason, message)
}

// apply sets the computed status on obj and says whether it differs from the original.
func (s *status) apply(obj *unstructured.Unstructured) (bool, error) {
	conds := make([]any, 0, len(s.conditions))
	for i := range s.conditions {
		m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(&s.conditions[i])
		if err != nil {
			return false, err
		}
		conds = append(conds, m)
	}
	s.status["conditions"] = conds
	a, err := json.Marshal(s.original)
	if err != nil {
		return false, err
	}
	b, err := json.Marshal(s.status)
	if err != nil {
		return false, err
	}
	if string(a) == string(b) {
		return false, nil
	}
	// Round-trip through JSON so that the object holds only JSON-compatible values.
	var next map[string]any
	if err := json.Unmarshal(b, &next); err != nil {
		return false, err
	}
	obj.Object["status"] = next
	return true, nil
}

func main() {
	var (
		metricsAddr string
		qps         float64
		burst       int
		workers     int
		namespace   string
		stripMF     bool
	)
	flag.StringVar(&metricsAddr, "metrics-bind-address", ":8080", "address of /metrics (0 disables)")
	flag.Float64Var(&qps, "kube-qps", 50, "client-side rate limit towards the kube-apiserver")
	flag.IntVar(&burst, "kube-burst", 100, "burst of the client-side rate limit")
	flag.IntVar(&workers, "workers", 2, "concurrent reconciles per controller")
	flag.StringVar(&namespace, "watch-namespace", "", "namespace to watch; default all")
	flag.BoolVar(&stripMF, "strip-managed-fields", true,
		"drop metadata.managedFields from cached objects (Aura's cache drops them too)")
	opts := zap.Options{Development: false} // JSON lines on stderr
	opts.BindFlags(flag.CommandLine)
	flag.Parse() // --kubeconfig is registered by controller-runtime
	logger := zap.New(zap.UseFlagOptions(&opts))
	ctrl.SetLogger(logger)
	klog.SetLogger(logger)

	cfg, err := ctrl.GetConfig()
	if err != nil {
		log.Error(err, "cannot configure the Kubernetes client")
		os.Exit(1)
	}
	// One token bucket for the whole process (every client made from cfg shares it), as in Aura.
	cfg.QPS, cfg.Burst = float32(qps), burst
	cfg.RateLimiter = flowcontrol.NewTokenBucketRateLimiter(cfg.QPS, cfg.Burst)

	scheme := runtime.NewScheme()
	_ = clientgoscheme.AddToScheme(scheme)
	mopts := ctrl.Options{
		Scheme:         scheme,
		Metrics:        metricsserver.Options{BindAddress: metricsAddr},
		LeaderElection: false,
		// Reads of unstructured objects come from the informer cache, not the API server.
		Client: client.Options{Cache: &client.CacheOptions{Unstructured: true}},
	}
	if stripMF {
		mopts.Cache.DefaultTransform = ctrlcache.TransformStripManagedFields()
	}
	if namespace != "" {
		mopts.Cache.DefaultNamespaces = map[string]ctrlcache.Config{namespace: {}}
	}
	mgr, err := ctrl.NewManager(cfg, mopts)
	if err != nil {
		log.Error(err, "cannot create the manager")
		os.Exit(1)
	}

	ctx := ctrl.SetupSignalHandler()
	index := func(o client.Object) []string {
		u := o.(*unstructured.Unstructured)
		if name := clusterRefName(u); name != "" {
			return []string{u.GetNamespace() + "/" + name}
		}
		return nil
	}
	for _, gvk := range []schema.GroupVersionKind{poolGVK, jobGVK} {
		if err := mgr.GetFieldIndexer().IndexField(ctx, newObj(gvk), byCluster, index); err != nil {
			log.Error(err, "cannot index", "kind", gvk.Kind)
			os.Exit(1)
		}
	}
	// A cluster's change wakes the NodePools (or AIJobs) that use it.
	usersOf := func(gvk schema.GroupVersionKind) handler.MapFunc {
		return func(ctx context.Context, o client.Object) []reconcile.Request {
			l := newList(gvk)
			if err := mgr.GetClient().List(ctx, l, client.MatchingFields{byCluster: o.GetNamespace() + "/" + o.GetName()}); err != nil {
				return nil
			}
			reqs := make([]reconcile.Request, 0, len(l.Items))
			for i := range l.Items {
				reqs = append(reqs, reconcile.Request{NamespacedName: client.ObjectKeyFromObject(&l.Items[i])})
			}
			return reqs
		}
	}
	// A NodePool's or AIJob's change wakes its cluster (which waits for them when deleting).
	clusterOf := func(ctx context.Context, o client.Object) []reconcile.Request {
		if name := clusterRefName(o.(*unstructured.Unstructured)); name != "" {
			return []reconcile.Request{{NamespacedName: types.NamespacedName{Namespace: o.GetNamespace(), Name: name}}}
		}
		return nil
	}

	recorder := mgr.GetEventRecorder("aura.io/aura-operator")
	newRec := func(gvk schema.GroupVersionKind, fin string) *reconciler {
		return &reconciler{Client: mgr.GetClient(), scheme: mgr.GetScheme(), events: recorder, gvk: gvk, finalizer: fin}
	}
	copts := controller.Options{MaxConcurrentReconciles: workers}
	err = builder.ControllerManagedBy(mgr).Named("ephemeralcluster").For(newObj(clusterGVK)).
		Watches(newObj(poolGVK), handler.EnqueueRequestsFromMapFunc(clusterOf)).
		Watches(newObj(jobGVK), handler.EnqueueRequestsFromMapFunc(clusterOf)).
		WithOptions(copts).Complete(newRec(clusterGVK, clusterFinalizer))
	if err == nil {
		err = builder.ControllerManagedBy(mgr).Named("nodepool").For(newObj(poolGVK)).
			Watches(newObj(clusterGVK), handler.EnqueueRequestsFromMapFunc(usersOf(poolGVK))).
			WithOptions(copts).Complete(newRec(poolGVK, poolFinalizer))
	}
	if err == nil {
		err = builder.ControllerManagedBy(mgr).Named("aijob").For(newObj(jobGVK)).
			Watches(newObj(clusterGVK), handler.EnqueueRequestsFromMapFunc(usersOf(jobGVK))).
			WithOptions(copts).Complete(newRec(jobGVK, jobFinalizer))
	}
	if err != nil {
		log.Error(err, "cannot create controllers")
		os.Exit(1)
	}

	// Says once when the three caches have synced (GetInformer blocks until its informer has).
	err = mgr.Add(manager.RunnableFunc(func(ctx context.Context) error {
		for _, gvk := range []schema.GroupVersionKind{clusterGVK, poolGVK, jobGVK} {
			if _, err := mgr.GetCache().GetInformer(ctx, newObj(gvk)); err != nil {
				return err
			}
		}
		log.Info("caches synced")
		return nil
	}))
	if err != nil {
		log.Error(err, "cannot add the sync reporter")
		os.Exit(1)
	}

	log.Info("starting", "host", cfg.Host, "qps", qps, "burst", burst, "workers", workers,
		"stripManagedFields", stripMF)
	if err := mgr.Start(ctx); err != nil {
		log.Error(err, "manager stopped")
		os.Exit(1)
	}
}
