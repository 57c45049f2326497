# Thin wrapper over meson/ninja: the commands a user types.
#   make demo    two namespaces, two pwires, ping + 10 MB through a pseudowire
#                (installs only what building and the demo need)
#   make check   install what every test needs (QEMU, UML, a kernel image...),
#                build, run every test
#   make bench   side-by-side benchmark (not a test)
#   make fuzz    libFuzzer targets, FUZZ_SECONDS each
BUILD ?= build
FUZZ_SECONDS ?= 60

.PHONY: all deps deps-check build check demo bench fuzz clean

all: build

deps:
	@tests/install-deps.sh build

deps-check:
	@tests/install-deps.sh check

ASAN = $(BUILD)-asan

$(BUILD)/build.ninja:
	meson setup $(BUILD) -Dwerror=true

# The same code under AddressSanitizer + UndefinedBehaviorSanitizer; any
# report fails the test that triggered it.
$(ASAN)/build.ninja:
	meson setup $(ASAN) -Dwerror=true -Db_sanitize=address,undefined \
		-Db_lundef=false -Dc_args=-fno-sanitize-recover=all

build: deps $(BUILD)/build.ninja
	ninja -C $(BUILD)

check: deps-check build $(ASAN)/build.ninja
	ninja -C $(ASAN)
	@tests/run-all.sh $(BUILD) $(ASAN)

demo: build
	@tests/demo.sh $(BUILD)/pwire

bench: build
	@bench/run.sh $(BUILD)/pwire

fuzz: deps-check
	@fuzz/run.sh $(FUZZ_SECONDS)

clean:
	rm -rf $(BUILD) $(ASAN) build-fuzz
