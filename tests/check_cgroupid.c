// SPDX-License-Identifier: Apache-2.0
/*
 * check_cgroupid - /proc/PID/cgroup's path, and the container id and pod uid
 * of the cgroup shapes each container runtime and driver writes; one live
 * read of this process's own /proc/self/cgroup.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "proc/cgroupid.h"
#include "suites.h"

#define ID "0f3c9a4e6b2d8f1a7c5e3b9d0a2f4c6e8b1d3f5a7c9e0b2d4f6a8c1e3b5d7f90"
#define ID2 "a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9a"
#define UID "8f3a2c1e-5b7d-4e9f-a0c2-6d4b8e1f3a57"
#define UID_ "8f3a2c1e_5b7d_4e9f_a0c2_6d4b8e1f3a57"	/* as in a systemd slice name */

static const struct {
	const char *path;
	const char *id;
	const char *uid;
	const char *from;	/* which runtime and driver writes this shape */
} shapes[] = {
	/* Docker */
	{ "/system.slice/docker-" ID ".scope", ID, "",
	  "docker, systemd cgroup driver (the default on cgroup v2)" },
	{ "/docker/" ID, ID, "",
	  "docker, cgroupfs driver (cgroup v1 default; v2 with native.cgroupdriver=cgroupfs)" },
	{ "/user.slice/user-1000.slice/user@1000.service/user.slice/docker-" ID ".scope", ID, "",
	  "rootless docker, systemd driver, in the user's manager" },
	{ "/docker/" ID2 "/docker/" ID, ID, "",
	  "docker in docker, cgroupfs: the inner container wins" },
	{ "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" UID_ ".slice/docker-" ID ".scope",
	  ID, UID, "kubelet + cri-dockerd, systemd driver, Burstable" },
	{ "/kubepods/besteffort/pod" UID "/" ID, ID, UID,
	  "kubelet + cri-dockerd, cgroupfs driver, BestEffort" },
	/* containerd (CRI plugin) under the kubelet */
	{ "/kubepods.slice/kubepods-pod" UID_ ".slice/cri-containerd-" ID ".scope", ID, UID,
	  "containerd, systemd driver, Guaranteed (no QoS slice)" },
	{ "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" UID_
	  ".slice/cri-containerd-" ID ".scope", ID, UID, "containerd, systemd driver, Burstable" },
	{ "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" UID_
	  ".slice/cri-containerd-" ID ".scope", ID, UID, "containerd, systemd driver, BestEffort" },
	{ "/kubepods/pod" UID "/" ID, ID, UID,
	  "containerd, cgroupfs driver (k3s, older kubeadm), Guaranteed" },
	{ "/kubepods/burstable/pod" UID "/" ID, ID, UID, "containerd, cgroupfs driver, Burstable" },
	{ "/kubepods/besteffort/pod" UID "/" ID, ID, UID, "containerd, cgroupfs driver, BestEffort" },
	{ "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" UID_ ".slice", "", UID,
	  "the kubelet's pod slice itself (no container)" },
	{ "/system.slice/docker-" ID2 ".scope/kubelet.slice/kubelet-kubepods.slice/"
	  "kubelet-kubepods-besteffort.slice/kubelet-kubepods-besteffort-pod" UID_
	  ".slice/cri-containerd-" ID ".scope", ID, UID,
	  "kind: a kubelet with --cgroup-root=/kubelet in a docker container" },
	/* CRI-O */
	{ "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" UID_
	  ".slice/crio-" ID ".scope", ID, UID, "CRI-O, systemd driver (its default), runc" },
	{ "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" UID_
	  ".slice/crio-" ID ".scope/container", ID, UID,
	  "CRI-O with crun: the process is in crun's \"container\" child" },
	{ "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" UID_
	  ".slice/crio-conmon-" ID ".scope", "", UID,
	  "CRI-O's conmon monitor: in the pod, not the container" },
	{ "/kubepods/burstable/pod" UID "/crio-" ID, ID, UID, "CRI-O, cgroupfs driver" },
	/* podman */
	{ "/machine.slice/libpod-" ID ".scope", ID, "", "podman as root, systemd manager" },
	{ "/machine.slice/libpod-" ID ".scope/container", ID, "",
	  "podman with crun and a delegated cgroup (--systemd=always): crun's child" },
	{ "/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-" ID ".scope", ID, "",
	  "rootless podman, systemd manager" },
	{ "/machine.slice/machine-libpod_pod_" ID2 ".slice/libpod-" ID ".scope", ID, "",
	  "podman pod: its id is podman's, not a Kubernetes uid" },
	{ "/machine.slice/libpod-conmon-" ID ".scope", "", "", "podman's conmon" },
	{ "/libpod_parent/libpod-" ID, ID, "", "podman, cgroupfs manager" },
	/* seen from another cgroup namespace: the kernel writes the way up as ".." */
	{ "/../cri-containerd-" ID ".scope", ID, "",
	  "containerd, systemd driver, from a sibling container's namespace" },
	{ "/../../../kubepods-besteffort-pod" UID_ ".slice/cri-containerd-" ID ".scope", ID, UID,
	  "containerd, systemd driver, from a pod in another QoS class" },
	{ "/../../pod" UID "/" ID, ID, UID, "containerd, cgroupfs driver, from another pod" },
	{ "/../" ID, ID, "", "docker, cgroupfs driver, from a sibling container" },
	{ "/", "", "", "a container's own cgroup, from its namespace; or the root" },
	/* not containers */
	{ "/user.slice/user-1000.slice/session-2.scope", "", "", "a login session (logind)" },
	{ "/user.slice/user-1000.slice/user@1000.service/app.slice/app-gnome-firefox-4242.scope",
	  "", "", "a desktop application" },
	{ "/system.slice/foo.service", "", "", "a system service" },
	{ "/system.slice/containerd.service", "", "", "containerd itself" },
	{ "/init.scope", "", "", "systemd, pid 1" },
	{ "", "", "", "empty" },
	/* malformed: not a container id or pod uid */
	{ "/system.slice/docker-" "0f3c9a4e6b2d8f1a7c5e3b9d0a2f4c6e8b1d3f5a7c9e0b2d4f6a8c1e3b5d7f9"
	  ".scope", "", "", "63 hex digits" },
	{ "/system.slice/docker-" ID "0.scope", "", "", "65 hex digits" },
	{ "/docker/0F3C9A4E6B2D8F1A7C5E3B9D0A2F4C6E8B1D3F5A7C9E0B2D4F6A8C1E3B5D7F90", "", "",
	  "uppercase hex" },
	{ "/docker/0f3c9a4e6b2d8f1a7c5e3b9d0a2f4c6e8b1d3f5a7c9e0b2d4f6a8c1e3b5d7f9g", "", "",
	  "a non-hex digit" },
	{ "/system.slice/" ID, "", "", "bare hex under no runtime" },
	{ "/system.slice/docker-" ID ".service", "", "", "not a scope" },
	{ "/system.slice/docker-" ID ".scope.bak", "", "", "a suffix after the scope" },
	{ "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" UID ".slice", "", "",
	  "dashes in a slice's uid (the kubelet writes underscores)" },
	{ "/kubepods/burstable/pod" UID_ "/" ID, "", "", "underscores in a cgroupfs pod uid" },
	{ "/kubepods/burstable/pod8F3A2C1E-5B7D-4E9F-A0C2-6D4B8E1F3A57", "", "", "uppercase uid" },
	{ "/kubepods/burstable/pod8f3a2c1e-5b7d-4e9f-a0c2-6d4b8e1f3a5", "", "", "uid too short" },
	{ "/kubepods/burstable/pod8f3a2c1e5b7d4e9fa0c26d4b8e1f3a57/" ID, "", "",
	  "a static pod: the kubelet names it by the manifest's 32-hex hash, not a uuid "
	  "(kube_pod_info carries the mirror pod's uid, so no join would find it)" },
};

START_TEST(test_parse)
{
	char id[CGROUPID_ID_LEN + 1], uid[CGROUPID_UID_LEN + 1];

	for (size_t i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++) {
		memset(id, 'x', sizeof(id));
		memset(uid, 'x', sizeof(uid));
		cgroupid_parse(shapes[i].path, id, uid);
		ck_assert_msg(!strcmp(id, shapes[i].id), "%s: %s: container id \"%s\"",
			      shapes[i].from, shapes[i].path, id);
		ck_assert_msg(!strcmp(uid, shapes[i].uid), "%s: %s: pod uid \"%s\"",
			      shapes[i].from, shapes[i].path, uid);
	}
}
END_TEST

static const struct {
	const char *text;
	int ret;
	const char *path;
	const char *what;
} texts[] = {
	{ "0::/system.slice/sshd.service\n", 0, "/system.slice/sshd.service",
	  "a cgroup v2 host: one line" },
	{ "12:pids:/\n11:hugetlb:/\n1:name=systemd:/system.slice/docker-" ID ".scope\n"
	  "0::/system.slice/docker-" ID ".scope\n", 0, "/system.slice/docker-" ID ".scope",
	  "a hybrid host (systemd's default before v248): the v2 line" },
	{ "0::/init.scope\n1:name=systemd:/other\n", 0, "/init.scope",
	  "v2 before name=systemd: still the v2 line" },
	{ "12:memory:/docker/" ID "\n5:cpu,cpuacct:/docker/" ID "\n1:name=systemd:/docker/" ID "\n",
	  0, "/docker/" ID, "a v1-only host (legacy mode): the name=systemd line" },
	{ "3:cpu,name=systemd:/kubepods/pod" UID "\n", 0, "/kubepods/pod" UID,
	  "name=systemd co-mounted with a controller" },
	{ "2:name=systemd2:/x\n1:cpu:/y\n", -ENOENT, "", "v1 without name=systemd (openrc)" },
	{ "", -ENOENT, "", "empty" },
	{ "0::/kubepods/besteffort/pod" UID "/" ID " (deleted)\n", 0,
	  "/kubepods/besteffort/pod" UID "/" ID, "a removed cgroup: the kernel's mark dropped" },
	{ "0::/a:b\n", 0, "/a:b", "a colon in the path" },
	{ "0::/no-newline", 0, "/no-newline", "no final newline" },
	{ "0::\n", -EINVAL, "", "an empty path" },
	{ "0::relative\n", -EINVAL, "", "a path without '/'" },
	{ "10::/x\n", -ENOENT, "", "not hierarchy 0" },
	{ "0:cpu:/x\n", -ENOENT, "", "hierarchy 0 with controllers is not v2" },
	{ "garbage\n::\n:\n", -ENOENT, "", "not lines of three fields" },
};

START_TEST(test_path)
{
	char out[256], small[4];

	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		memset(out, 'x', sizeof(out));
		ck_assert_msg(cgroupid_path(texts[i].text, out, sizeof(out)) == texts[i].ret,
			      "%s: return", texts[i].what);
		ck_assert_msg(!strcmp(out, texts[i].path), "%s: \"%s\"", texts[i].what, out);
	}
	/* fits with its NUL, or is refused whole */
	ck_assert_int_eq(cgroupid_path("0::/abc\n", small, sizeof(small)), -ENAMETOOLONG);
	ck_assert_str_eq(small, "");
	ck_assert_int_eq(cgroupid_path("0::/ab\n", small, sizeof(small)), 0);
	ck_assert_str_eq(small, "/ab");
}
END_TEST

/* This process's own /proc/self/cgroup, through AT_FDCWD and through /proc's fd. */
START_TEST(test_read_live)
{
	char text[16384], a[4096], b[4096], want[4096], id[CGROUPID_ID_LEN + 1],
	     uid[CGROUPID_UID_LEN + 1];
	int procfd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int fd = open("/proc/self/cgroup", O_RDONLY | O_CLOEXEC);
	ssize_t n, len = 0;
	int ret;

	ck_assert_int_ge(procfd, 0);
	ck_assert_int_ge(fd, 0);
	while ((n = read(fd, text + len, sizeof(text) - 1 - (size_t)len)) > 0)
		len += n;
	close(fd);
	text[len] = '\0';
	ret = cgroupid_path(text, want, sizeof(want));
	ck_assert_msg(ret == 0, "/proc/self/cgroup: %d:\n%s", ret, text);
	ck_assert_int_eq(want[0], '/');
	ck_assert_int_eq(cgroupid_read_pid(AT_FDCWD, getpid(), a, sizeof(a)), 0);
	ck_assert_str_eq(a, want);
	ck_assert_int_eq(cgroupid_read_pid(procfd, getpid(), b, sizeof(b)), 0);
	ck_assert_str_eq(b, want);
	cgroupid_parse(a, id, uid);	/* whatever we run in, the outputs keep their shape */
	ck_assert(strlen(id) == 0 || strlen(id) == CGROUPID_ID_LEN);
	ck_assert(strlen(uid) == 0 || strlen(uid) == CGROUPID_UID_LEN);
	/* too small: refused, and out is empty */
	ck_assert_int_eq(cgroupid_read_pid(procfd, getpid(), a, strlen(want)), -ENAMETOOLONG);
	ck_assert_str_eq(a, "");
	/* no such process (above any pid_max) */
	ck_assert_int_eq(cgroupid_read_pid(procfd, 0x7ffffff0, a, sizeof(a)), -ENOENT);
	ck_assert_str_eq(a, "");
	close(procfd);
}
END_TEST

Suite *cgroupid_suite(void)
{
	return SUITE_OF("cgroupid", "cgroupid", test_parse, test_path, test_read_live);
}
