# Applies the RFC 6902 patch $patch (add / remove / replace, what the policy server's
# json_patch::diff produces) to the input document: `jq --argjson patch "$p" -f apply-patch.jq`.
def pointer_to_path:
  if . == "" then []
  else .[1:] | split("/") | map(gsub("~1"; "/") | gsub("~0"; "~"))
  end;

# JSON pointer segments are strings; array positions become numbers where the parent is an array.
def resolve($segments):
  reduce $segments[] as $segment ({doc: ., path: []};
    (.path as $at | .doc | getpath($at)) as $parent
    | if ($parent | type) == "array" and ($segment | test("^[0-9]+$"))
      then .path += [$segment | tonumber]
      else .path += [$segment]
      end)
  | .path;

def apply_operation($operation):
  resolve($operation.path | pointer_to_path) as $path
  | if $operation.op == "add" then
      if ($path | length) == 0 then $operation.value
      elif ($path[-1] == "-") then setpath($path[:-1]; getpath($path[:-1]) + [$operation.value])
      elif (getpath($path[:-1]) | type) == "array" then
        setpath($path[:-1]; getpath($path[:-1]) | .[:$path[-1]] + [$operation.value] + .[$path[-1]:])
      else setpath($path; $operation.value)
      end
    elif $operation.op == "replace" then setpath($path; $operation.value)
    elif $operation.op == "remove" then delpaths([$path])
    else error("unsupported patch operation \($operation.op)")
    end;

reduce $patch[] as $operation (.; apply_operation($operation))
