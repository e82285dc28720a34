-- SYNC: cuenta a Redis cómo está *ahora* cada persona que este proceso anotó (entró,
-- salió o cambió de apodo). Se envía el estado y no la orden: así dos órdenes no pueden
-- llegar cambiadas de orden. Va detrás de presence.lua, cuyas funciones usa.
--
-- ARGV: el proceso, «todos» ('1': quien no esté en la lista ya no está aquí; tras una
-- caída de Redis) y, por cada persona, seis valores: sala, quién, '1' si está ('0' si
-- se fue), apodo en minúsculas, apodo ('' y '' sin apodo) y '1' si es la profesora.
-- Devuelve los apodos negados
-- (otro proceso los dio antes), de cuatro en cuatro: sala, quién, el pedido y el que
-- tiene ('' si ninguno).
local proc = ARGV[1]
if ARGV[2] == '1' then
  local listed = {}
  for i = 3, #ARGV, 6 do listed[ARGV[i] .. '\n' .. ARGV[i + 1]] = true end
  for _, member in ipairs(redis.call('SMEMBERS', 'chat:members:' .. proc)) do
    if not listed[member] then
      local room, who = split(member)
      leave(room, who, proc)
    end
  end
  redis.call('ZADD', 'chat:procs', now(), proc)
end
local refused = {}
for i = 3, #ARGV, 6 do
  local room, who = ARGV[i], ARGV[i + 1]
  if ARGV[i + 2] == '1' then
    local granted, current = present(room, who, proc, ARGV[i + 3], ARGV[i + 4], ARGV[i + 5])
    if not granted then
      for _, value in ipairs({room, who, ARGV[i + 4], current or ''}) do
        table.insert(refused, value)
      end
    end
  else
    leave(room, who, proc)
  end
end
return refused
