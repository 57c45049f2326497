# Thin wrapper over meson/ninja: the commands a user types.
#   make demo    two namespaces, two pwires, ping + 10 MB through a pseudowire
#   make check   install what is needed, build, run every test
#   make bench   side-by-side benchmark (not a test)
#   make fuzz    libFuzzer targets, FUZZ_SECONDS each
BUILD ?= build
FUZZ_SECONDS ?= 60

.PHONY: all deps build check demo bench fuzz clean

all: build

deps:
	@tests/install-deps.sh

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

check: build $(ASAN)/build.ninja
	ninja -C $(ASAN)
	@tests/run-all.sh $(BUILD) $(ASAN)

demo: build
	@tests/demo.sh $(BUILD)/pwire

bench: build
	@bench/run.sh $(BUILD)/pwire

fuzz: deps
	@fuzz/run.sh $(FUZZ_SECONDS)

clean:
	rm -rf $(BUILD) $(ASAN) build-fuzz
