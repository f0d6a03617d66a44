// Package vault reads and writes Ansible Vault data (formats 1.1 and 1.2,
// AES256), so that configuration vaulted with ansible-vault keeps working and
// files we write open with ansible-vault. It covers whole vaulted files and the
// inline `key: !vault |` values found inside YAML.
package vault
