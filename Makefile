# SPDX-License-Identifier: GPL-2.0
#
#   make              vcoyo.ko (against KDIR), the tools and the tests
#   make check        every test, on every target kernel (see Documentation/testing.rst)
#   make demo         the main job: a small IPvCoyo network in a guest
#   make bench        transit datagrams per second, IPv4 forwarding vs vcoyo (Documentation/bench.rst)
#   make lint         checkpatch --strict on the kernel sources
#
# KDIR picks the kernel to build vcoyo.ko against; by default the running
# kernel's build tree, else the newest installed Debian cloud kernel headers.

KDIR ?= $(firstword $(wildcard /lib/modules/$(shell uname -r)/build) \
	$(shell ls -d /usr/src/linux-headers-*-cloud-amd64 2>/dev/null | sort -V | tail -n 1))

all: module tools selftests

module:
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

tools:
	$(MAKE) -C tools

selftests: tools
	$(MAKE) -C selftests

check: tools selftests
	selftests/run.sh $(if $(KERNELS),-k "$(KERNELS)") $(TESTS)

demo: tools selftests
	VCOYO_VERBOSE=1 VCOYO_OUT=build/demo selftests/run.sh -k "$(or $(KERNEL),6.12)" vm/demo.sh

bench: tools selftests
	VCOYO_OUT=$(or $(VCOYO_OUT),build/bench) selftests/run.sh -k "$(or $(KERNEL),6.12)" vm/bench.sh

lint:
	scripts/checkpatch

clean:
	-$(MAKE) -C $(KDIR) M=$(CURDIR) clean
	$(MAKE) -C tools clean
	$(MAKE) -C selftests clean
	rm -rf build

.PHONY: all module tools selftests check demo bench lint clean
